<?php
/**
 * The EckId RosarioSIS plugin in the stand-in host (rosariosis_host.php) against nv-emulator,
 * run by with_emulator.py (environment: ECKID_LIBRARY, ECKID_TEST_*). Expected ECK iDs are
 * derived here from the published HPgn vectors and the emulator's documented HMAC derivation.
 * Prints "N passed, N failed"; exits 1 on a failure.
 */

require __DIR__ . '/rosariosis_host.php';

$plugin_dir = dirname( __DIR__, 4 ) . '/adapters/hosts/rosariosis/EckId';
$fixture = json_decode( file_get_contents( getenv( 'ECKID_TEST_FIXTURE' ) ), true );
$pupils = $fixture['pupils']; // [0] a BSN with a leading zero, [1] a BSN, [2] an onderwijsnummer
$corrected_bsn = '111222333'; // Passes the 11-check; not in the vectors.
$invalid_pgn = '123456781'; // Fails the 11-check.
$all_pgns = array_merge( array_column( $pupils, 'pgn' ), [ $corrected_bsn, $invalid_pgn ] );
$passed = $failed = 0;

function check( $ok, $what )
{
	global $passed, $failed;

	$ok ? $passed++ : $failed++;
	echo ( $ok ? 'ok   ' : 'FAIL ' ) . $what . "\n";
}

/** The ECK iD the emulator gives an HPgn in a sector (tests/emulator/README.md). */
function expected_eckid( $hpgn, $sector )
{
	global $fixture;

	$mac = function ( $m ) use ( $fixture ) { return hash_hmac( 'sha512', $m, $fixture['secret'] ); };
	$stamp = 'https://ketenid.nl/sppilot/' . $mac( 'stampseudonym|' . $hpgn );

	return 'https://ketenid.nl/pilot/' . $mac( 'eckid|' . $stamp . '|' . $fixture['chain'] . '|' . $sector );
}

/** The emulator's request log lines of one kind of operation. */
function requests( $pattern = '/ (retrieveStampseudonym|retrieveEckId|replaceStampseudonym) /' )
{
	return count( preg_grep( $pattern, file( getenv( 'ECKID_TEST_REQUESTS' ) ) ) );
}

/** The ECK iD stored in the host for a student at a school, or null. */
function stored( $student_id, $school_id )
{
	$rows = EckIdStudentRows( $student_id, $school_id );

	return $rows ? $rows[1]['ECKID'] : null;
}

function pgn_free( $text, $what )
{
	global $all_pgns;

	foreach ( $all_pgns as $pgn )
	{
		if ( strpos( $text, $pgn ) !== false )
		{
			check( false, "$what contains no PGN" );

			return;
		}
	}

	check( true, "$what contains no PGN" );
}

$messages = '';

function messages()
{
	global $error, $note, $messages;

	$text = implode( "\n", array_merge( (array) $error, (array) $note ) );
	$messages .= $text . "\n";

	return $text;
}

HostActivatePlugin( $plugin_dir );

// Settings page: four schools; PO1, PO2 in the test sector, VO3 in the other, OFF4 disabled.
$settings = function ( $oin, $sector, $enabled ) use ( $fixture )
{
	return [ 'ECKID_ENABLED' => $enabled ? 'Y' : '', 'ECKID_START_DATE' => '2025-08-01',
		'ECKID_OIN' => $oin, 'ECKID_SECTOR' => $sector, 'ECKID_CHAINS' => $fixture['chain'],
		'ECKID_CONFIG_PATH' => getenv( 'ECKID_TEST_SERVICE' ), 'ECKID_PGN_FIELD' => 'CUSTOM_200000003' ];
};
$bad = HostSavePluginSettings( $plugin_dir, 1, [ 'ECKID_OIN' => 'short' ] + $settings( '', '', true ) );
check( strpos( $bad, 'an OIN has exactly 20' ) !== false && ! ProgramConfig( 'eckid' ),
	'settings: a wrong OIN is refused with a message, nothing saved' );
HostSavePluginSettings( $plugin_dir, 1, $settings( '00000001000000000001', $fixture['sector'], true ) );
HostSavePluginSettings( $plugin_dir, 2, $settings( '00000001000000000002', $fixture['sector'], true ) );
HostSavePluginSettings( $plugin_dir, 3, $settings( '00000001000000000003', $fixture['other_sector'], true ) );
$page = HostSavePluginSettings( $plugin_dir, 4, $settings( '00000001000000000004', $fixture['sector'], false ) );
check( strpos( $page, 'settings were saved' ) !== false && ProgramConfig( 'eckid', 'ECKID_OIN' ) === '00000001000000000004',
	'settings: saved per school in program_config' );
check( strpos( $page, 'no problem found' ) !== false && strpos( $page, '4 school(s)' ) !== false,
	'settings: the plugin checked the configuration of the schools sharing the service file' );

// The settings page shows the plugin's check of a broken service file: the problem with its
// file, line and key (school 6 keeps no settings: its service file is removed again).
$broken = dirname( getenv( 'ECKID_TEST_SERVICE' ) ) . '/broken.toml';
file_put_contents( $broken, str_replace( 'deadline_ms = 30000', 'deadline_ms = "soon"', file_get_contents( getenv( 'ECKID_TEST_SERVICE' ) ) ) );
$page = HostSavePluginSettings( $plugin_dir, 6, [ 'ECKID_CONFIG_PATH' => $broken ] + $settings( '00000001000000000016', $fixture['sector'], true ) );
check( preg_match( '#broken\.toml:\d+: outbox\.deadline_ms: #', $page ) === 1 && strpos( $page, '1 problem(s)' ) !== false,
	'settings: a broken service file is shown with its file, line and key' );
pgn_free( $page, 'the settings page' );
DBQuery( "DELETE FROM program_config WHERE SCHOOL_ID='6'" );

// Created.
HostCreateStudent( 101, $pupils[0]['pgn'], 1, '2026-08-20' );
$po1 = stored( 101, 1 );
check( $po1 === expected_eckid( $pupils[0]['hpgn'], $fixture['sector'] ), 'create_student: the ECK iD is stored' );
pgn_free( messages(), 'create_student: the page messages' );
$header = HostStudentHeader( 101, 1 );
check( strpos( $header, '&hellip;' . substr( $po1, -6 ) ) !== false && strpos( $header, substr( $po1, -12 ) ) === false,
	"the student's page shows the ECK iD masked to its last 6 characters" );
pgn_free( $header, "the student's page" );
foreach ( [ 'teacher', 'parent', 'student' ] as $HostProfile )
{
	HostCreateStudent( 190, $invalid_pgn, 1, '2026-08-20' ); // A message for an administrator.
	check( HostStudentHeader( 101, 1 ) === '' && messages() === '',
		"$HostProfile: nothing of the ECK iD or the plugin's messages" );
	DBQuery( "DELETE FROM students WHERE STUDENT_ID='190'" );
	DBQuery( "DELETE FROM student_enrollment WHERE STUDENT_ID='190'" );
	DBQuery( "DELETE FROM eckid_pending WHERE STUDENT_ID='190'" );
}
$HostProfile = 'admin';

// Same-sector transfer: the ECK iD is kept, no identity request.
$before = requests();
HostTransferStudent( 101, 2, '2026-10-01' );
check( stored( 101, 2 ) === $po1, 'transfer in the same sector: the ECK iD is kept' );
check( requests() === $before, 'transfer in the same sector: no identity request sent' );

// Other-sector transfer: that sector's ECK iD; the old school keeps its own.
HostTransferStudent( 101, 3, '2027-01-10' );
$vo3 = stored( 101, 3 );
check( $vo3 === expected_eckid( $pupils[0]['hpgn'], $fixture['other_sector'] ) && $vo3 !== $po1,
	'transfer to another sector: the new sector\'s ECK iD' );
check( stored( 101, 1 ) === $po1, 'transfer to another sector: the old record stays' );

// PGN changed: onderwijsnummer -> BSN, the ECK iD stays.
HostCreateStudent( 102, $pupils[2]['pgn'], 1, '2026-08-20' );
$on = stored( 102, 1 );
$replacements = requests( '/ replaceStampseudonym \\S+ ok/' );
HostUpdateStudentPgn( 102, $corrected_bsn );
check( $on === expected_eckid( $pupils[2]['hpgn'], $fixture['sector'] ) && stored( 102, 1 ) === $on,
	'PGN changed: the ECK iD stays' );
check( requests( '/ replaceStampseudonym \\S+ ok/' ) === $replacements + 1, 'PGN changed: replaceStampseudonym sent' );
pgn_free( messages(), 'PGN change: the page messages' );

// Invalid PGN: a clear message, the student saved, nothing sent; corrected later: delivered.
$before = requests( '/./' );
HostCreateStudent( 103, $invalid_pgn, 1, '2026-08-21' );
$text = messages();
check( stored( 103, 1 ) === null && stripos( $text, 'No ECK iD yet' ) !== false, 'invalid PGN: a clear message, no ECK iD' );
pgn_free( $text . HostStudentHeader( 103, 1 ), 'invalid PGN: the message and the page' );
check( EckIdPendingRow( 103, 1 )['STATUS'] === 'invalid_pgn' && requests( '/./' ) === $before,
	'invalid PGN: kept as pending, nothing sent' );
HostUpdateStudentPgn( 103, $pupils[1]['pgn'] );
check( stored( 103, 1 ) === expected_eckid( $pupils[1]['hpgn'], $fixture['sector'] ) && ! EckIdPendingRow( 103, 1 ),
	'invalid PGN corrected: the ECK iD is stored, nothing pending' );

// A disabled school: a note, nothing sent.
$before = requests( '/./' );
HostCreateStudent( 104, $pupils[1]['pgn'], 4, '2026-08-21' );
check( stored( 104, 4 ) === null && stripos( messages(), 'not enabled' ) !== false && requests( '/./' ) === $before,
	'disabled school: "not enabled" note, nothing sent' );

// Service down (queued, later delivered): school 5's service file names a Nummervoorziening
// that does not answer yet; the event is kept, and a page load records the ECK iD once it is back.
HostSavePluginSettings( $plugin_dir, 5, [ 'ECKID_CONFIG_PATH' => getenv( 'ECKID_TEST_OUTAGE_SERVICE' ) ]
	+ $settings( '00000001000000000005', $fixture['sector'], true ) );
$outage = null;

/** Starts nv-emulator on the outage port (the same secret: the same ECK iDs). */
function outage_start()
{
	$command = array_merge( json_decode( getenv( 'ECKID_TEST_EMULATOR' ), true ),
		[ '--port', getenv( 'ECKID_TEST_OUTAGE_PORT' ) ] );
	$process = proc_open( $command, [ 1 => [ 'pipe', 'w' ] ], $pipes );
	$line = fgets( $pipes[1] ); // Listening once it names its endpoint.

	return [ $process, $pipes, strpos( (string) $line, 'https://' ) !== false ];
}

function outage_stop( $outage )
{
	if ( $outage )
	{
		proc_terminate( $outage[0] );
		fclose( $outage[1][1] );
		proc_close( $outage[0] );
	}
}

try
{
	HostCreateStudent( 105, $pupils[1]['pgn'], 5, '2026-08-22' );
	$text = messages();
	$pending = EckIdPendingRow( 105, 5 );
	check( stored( 105, 5 ) === null && $pending && $pending['STATUS'] === 'queued'
		&& stripos( $text, 'has not answered yet' ) !== false,
		'service down: the student is saved, the event queued, a note' );
	pgn_free( $text . HostStudentHeader( 105, 5 ), 'service down: the note and the page' );
	check( EckIdPluginFor( 5 )->queueStatus()['queued'] === 1, 'service down: the event is in the outbox' );
	HostPageLoad();
	check( stored( 105, 5 ) === null && EckIdPluginFor( 5 )->queueStatus()['queued'] === 1,
		'service down: a page load records nothing, the event stays queued' );

	$event_id = preg_match( '/event (\d+)/', $pending['MESSAGE'], $m ) ? (int) $m[1] : 0;
	$state = EckIdPluginFor( 5 )->eventResult( $event_id );
	check( $state && $state->queued() && $state->pupilKey === '105', 'service down: eventResult() says queued' );
	$outage = outage_start();
	check( $outage[2], 'service back: nv-emulator listens on the same port' );
	$expected = expected_eckid( $pupils[1]['hpgn'], $fixture['sector'] );
	$until = microtime( true ) + 60;

	do
	{
		usleep( 200000 );
		HostPageLoad();
	}
	while ( stored( 105, 5 ) !== $expected && microtime( true ) < $until );

	check( stored( 105, 5 ) === $expected, 'service back: a page load records the ECK iD' );
	$info = EckIdPluginFor( 5 )->queueStatus();
	check( ! EckIdPendingRow( 105, 5 ) && $info['queued'] === 0 && $info['failed'] === 0
		&& $info['undelivered'] === 0,
		'service back: nothing pending, the outbox empty and acknowledged' );
	check( EckIdPluginFor( 5 )->eventResult( $event_id ) === null && ! EckIdPluginFor( 5 )->ack( $event_id )
		&& EckIdPluginFor( 5 )->retryFailed() === 0 && EckIdPluginFor( 5 )->poll() === null,
		'service back: the event is done and gone (eventResult, ack, retryFailed, poll)' );
	check( strpos( HostStudentHeader( 105, 5 ), '&hellip;' . substr( $expected, -6 ) ) !== false,
		"service back: the student's page shows the ECK iD (masked)" );
}
finally
{
	outage_stop( $outage );
}

// Whole-school onboarding through the binding (eckid_onboard, the service's batch operations)
// at a school of its own: three pupils accepted, their results through poll(); a repeated
// pupil key, a repeated PGN and an invalid PGN refused, each with a receipt.
$onboard_service = dirname( getenv( 'ECKID_TEST_SERVICE' ) ) . '/onboard.toml';
file_put_contents( $onboard_service, str_replace( '"state"', '"state-onboard"',
	file_get_contents( getenv( 'ECKID_TEST_SERVICE' ) ) ) . "\n[onboarding]\npoll_delay_ms = 100\n" );
$onboard_config = new EckId\Source( $onboard_service, [ [ 'key' => 'ON6',
	'oin' => '00000001000000000006', 'sector' => $fixture['sector'], 'chains' => [ $fixture['chain'] ],
	'enabled' => true, 'start_date' => '2025-08-01' ] ] );
$batches = requests( '/ submitStampseudonymBatch \\S+ ok/' );
$single = requests();
$pupil = EckId\Abi::PGN_PUPIL;
$rows = [ [ 'on-1', $pupils[0]['pgn'], $pupil ], [ 'on-2', $pupils[1]['pgn'], $pupil ],
	[ 'on-3', $pupils[2]['pgn'], $pupil ], [ 'on-1', $corrected_bsn, $pupil ],
	[ 'on-4', $pupils[1]['pgn'], $pupil ], [ 'on-5', $invalid_pgn, $pupil ] ];
$onboard_plugin = new EckId\Plugin( $onboard_config, null, EckId\Abi::DELIVERY_ASYNC );
$receipts = $onboard_plugin->onboard( 'ON6', $rows );
$accepted = array_slice( $receipts, 0, 3 );
check( array_map( fn( $r ) => $r->pupilKey, $receipts ) === array_column( $rows, 0 )
	&& count( array_filter( $accepted, fn( $r ) => $r->accepted() && $r->status === EckId\Status::QUEUED
		&& $r->message === '' ) ) === 3
	&& count( array_unique( array_map( fn( $r ) => $r->eventId, $accepted ) ) ) === 3,
	'onboard: one receipt per pupil in input order, three accepted as events' );
check( array_map( fn( $r ) => [ $r->eventId, $r->status ], array_slice( $receipts, 3 ) )
	=== [ [ 0, EckId\Status::E_INVALID_ARGUMENT ], [ 0, EckId\Status::E_INVALID_ARGUMENT ], [ 0, EckId\Status::E_INVALID_PGN ] ]
	&& ! in_array( '', array_map( fn( $r ) => $r->message, array_slice( $receipts, 3 ) ), true ),
	'onboard: a repeated pupil key, a repeated PGN and an invalid PGN are refused with a status and a message' );
$results = [];
$until = microtime( true ) + 60;

while ( count( $results ) < 3 && microtime( true ) < $until )
{
	while ( $result = $onboard_plugin->poll() )
	{
		$results[ $result->eventId ] = $result;
		$onboard_plugin->ack( $result->eventId );
	}

	usleep( 200000 );
}

$got = $expected = [];
foreach ( $results as $id => $r )
{
	$got[ $id ] = [ $r->pupilKey, $r->ok(), $r->eckid() ];
}
foreach ( $accepted as $n => $r )
{
	$expected[ $r->eventId ] = [ $r->pupilKey, true, expected_eckid( $pupils[ $n ]['hpgn'], $fixture['sector'] ) ];
}
ksort( $got );
ksort( $expected );
check( $got === $expected, "onboard: each pupil's result through poll() with the expected ECK iD" );
$info = $onboard_plugin->onboardStatus( 'ON6' );
check( [ $info['waiting'], $info['hashed'], $info['in_batch'], $info['deferred'] ] === [ 0, 0, 0, 0 ]
	&& $onboard_plugin->queueStatus()['undelivered'] === 0,
	'onboard: nothing left in onboarding, every result acknowledged' );
$onboard_plugin->close();
check( requests( '/ submitStampseudonymBatch \\S+ ok/' ) > $batches && requests() === $single,
	'onboard: sent as batches, no per-pupil request' );
pgn_free( json_encode( $receipts ) . json_encode( $results ), 'onboard: the receipts and results' );

// No PGN in the plugin's own tables, the composed configuration or any message.
$dump = '';
foreach ( [ 'eckid_student', 'eckid_pending', 'program_config' ] as $table )
{
	$dump .= json_encode( $HostDb->query( "SELECT * FROM $table" )->fetchAll() );
}
pgn_free( $dump, "the plugin's tables" );
check( ! glob( dirname( getenv( 'ECKID_TEST_SERVICE' ) ) . '/*.schools.toml' ), 'no configuration file is written beside the service file' );
pgn_free( $messages, 'all page messages' );

// On MySQL (no install_mysql.sql: the plugin needs PostgreSQL) the plugin refuses cleanly.
$mysql = json_decode( (string) shell_exec( escapeshellarg( PHP_BINARY ) . ' -d ffi.enable=true '
	. escapeshellarg( __DIR__ . '/mysql_refusal.php' ) . ' 2>&1' ), true );
check( is_array( $mysql ) && $mysql['saved'] === false && strpos( $mysql['settings'], 'needs PostgreSQL' ) !== false,
	'MySQL: the settings page says PostgreSQL is needed and saves nothing' );
check( is_array( $mysql ) && $mysql['messages'] === '' && strpos( $mysql['header'], 'needs PostgreSQL' ) !== false,
	"MySQL: a new student is saved without a database error; the student's page tells the administrator" );

echo "rosariosis: $passed passed, $failed failed\n";
exit( $failed ? 1 : 0 );
