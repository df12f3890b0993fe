<?php
/**
 * EckId delivery command, for the web server user's crontab (README "Delivery"):
 *
 *   ECKID_LIBRARY=/usr/local/lib/eckid/libeckid.so
 *   * * * * * php -d ffi.enable=true /var/www/rosariosis/plugins/EckId/deliver.php
 *
 * Records the ECK iDs of events queued while the Nummervoorziening did not answer and
 * requests those of students still without one (includes/delivery.php), for the school year
 * of config.inc.php's $DefaultSyear. Run it as the web server user (crontab -u www-data): the
 * plugin's state folder must stay owned by that user. Options: --wait=SECONDS (default 50)
 * how long to wait for queued events. Prints one summary line (never a PGN); exit status 0,
 * 1 when a school's requests could not be made (the line says why), 2 when run as root or
 * outside a RosarioSIS folder.
 *
 * Bootstrap: RosarioSIS's own, Warehouse.php, as every page starts with it (config.inc.php's
 * database settings and time zone, database.inc.php, functions/, the activated plugins'
 * functions.php); its login check only guards Modules.php, Side.php and Bottom.php. The
 * school year is then Config( 'SYEAR' ) (config.inc.php's $DefaultSyear), as a login sets it.
 *
 * @package EckId
 */

if ( PHP_SAPI !== 'cli' )
{
	// It lies in the web root: never run it for a web request.
	http_response_code( 403 );
	exit;
}

if ( function_exists( 'posix_geteuid' ) && posix_geteuid() === 0 )
{
	// Files root created in the plugin's state folder would lock the web server out of it.
	fwrite( STDERR, "eckid deliver: do not run this as root: run it as the web server user, e.g. runuser -u www-data -- php -d ffi.enable=true " . __FILE__ . " (or from crontab -u www-data)\n" );
	exit( 2 );
}

chdir( dirname( __DIR__, 2 ) ); // The RosarioSIS folder (plugins/EckId/deliver.php).

if ( ! is_file( 'Warehouse.php' ) || ! is_file( 'config.inc.php' ) )
{
	fwrite( STDERR, 'eckid deliver: ' . getcwd() . " is not a RosarioSIS folder (no config.inc.php): run plugins/EckId/deliver.php of the RosarioSIS installation\n" );
	exit( 2 );
}

require_once 'Warehouse.php';

if ( empty( $RosarioPlugins['EckId'] ) )
{
	echo "eckid deliver: the EckId plugin is not activated (School > Configuration > Plugins): nothing to do\n";
	exit( 0 );
}

if ( ! UserSyear() )
{
	$_SESSION['UserSyear'] = Config( 'SYEAR' );
}

require_once __DIR__ . '/includes/delivery.php';

$eckid_options = getopt( '', [ 'wait:' ] );
$eckid_report = EckIdDeliveryRun( isset( $eckid_options['wait'] ) ? (int) $eckid_options['wait'] : 50 );

echo sprintf( 'eckid deliver: %d ECK iD results recorded, %d students requested, %d still waiting for the Nummervoorziening',
	$eckid_report['recorded'], $eckid_report['requested'], $eckid_report['waiting'] ) . "\n";

foreach ( $eckid_report['problems'] as $eckid_problem )
{
	echo 'eckid deliver: ' . $eckid_problem . "\n";
}

exit( $eckid_report['problems'] ? 1 : 0 );
