<?php
/**
 * The EckId plugin activated in the stand-in host as RosarioSIS on MySQL: RosarioSIS runs
 * install_mysql.sql there, which the plugin does not ship (it needs PostgreSQL). Prints JSON:
 * the settings page after a save, whether anything was saved, the messages of a new
 * student's save and the student's page header. Any database error (a query of a missing
 * eckid_ table) ends it with an uncaught exception instead. Run by test_rosariosis.php.
 */

require __DIR__ . '/rosariosis_host.php';

$DatabaseType = 'mysql';
$plugin_dir = dirname( __DIR__, 4 ) . '/adapters/hosts/rosariosis/EckId';
HostActivatePlugin( $plugin_dir );
$settings = HostSavePluginSettings( $plugin_dir, 1, [ 'ECKID_ENABLED' => 'Y', 'ECKID_OIN' => '00000001000000000001',
	'ECKID_CONFIG_PATH' => getenv( 'ECKID_TEST_SERVICE' ) ?: '/etc/eckid/service.toml' ] );
HostCreateStudent( 1, '123456782', 1, '2026-08-20' );
HostPageLoad();
echo json_encode( [ 'settings' => $settings, 'saved' => (bool) ProgramConfig( 'eckid' ),
	'messages' => implode( "\n", array_merge( $error, $note ) ),
	'header' => HostStudentHeader( 1, 1 ) ] );
