<?php
/**
 * A stand-in for the parts of RosarioSIS a plugin meets, written from RosarioSIS's documented
 * plugin contract (no RosarioSIS code):
 * - add_action( $tag, $function, $accepted_args = 1, $priority = 10 ) registers an existing
 *   function; do_action( $tag, $arg ) calls each with the tag first, then $arg (an array is
 *   spread), cut to $accepted_args; lower priorities first, then in order of registration.
 * - UserStudentID(), UserSchool(), UserSyear() from the session; ProgramConfig( $program,
 *   $item ) of program_config for the current school and year.
 * - DBQuery( $sql ) runs SQL and fires database.inc.php|dbquery_after with [ $sql, $result ];
 *   DBGet( $result ) returns rows numbered from 1 with upper-case column names.
 * - $error / $note: the page's message lists; ErrorMessage() renders them as HTML.
 * - $_REQUEST is escaped for SQL (DBEscapeString) and stripped of tags before a module runs,
 *   as Warehouse.php does; DBUnescapeString() undoes the escaping.
 * - User( 'PROFILE' ): "admin", "teacher", "parent" or "student" ($HostProfile).
 * - DBGetOne( $sql ): the first column of the first row, or false.
 * The database is SQLite in memory with the tables a plugin reads (students,
 * student_enrollment, program_config) and PostgreSQL's information_schema.columns of them
 * (with current_schema() "public"). $DatabaseType is "postgresql".
 */

$RosarioActions = [];
$_SESSION = [ 'UserSyear' => 2026, 'UserSchool' => 1, 'student_id' => null ];
$error = [];
$note = [];
$_REQUEST = [];
$DatabaseType = 'postgresql';
$HostProfile = 'admin';

$HostDb = new PDO( 'sqlite::memory:', null, null, [ PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION ] );
$HostDb->exec( "CREATE TABLE students (STUDENT_ID integer PRIMARY KEY, FIRST_NAME text,
	LAST_NAME text, CUSTOM_200000003 text);
	CREATE TABLE student_enrollment (ID integer PRIMARY KEY AUTOINCREMENT, SYEAR integer,
	SCHOOL_ID integer, STUDENT_ID integer, START_DATE text, END_DATE text, DROP_CODE text);
	CREATE TABLE program_config (SYEAR integer, SCHOOL_ID integer, PROGRAM text, TITLE text,
	VALUE text);" );
$HostDb->sqliteCreateFunction( 'current_schema', function () { return 'public'; }, 0 );
$HostDb->exec( "ATTACH DATABASE ':memory:' AS information_schema;
	CREATE TABLE information_schema.columns (TABLE_SCHEMA text, TABLE_NAME text, COLUMN_NAME text);" );

foreach ( [ 'students', 'student_enrollment', 'program_config' ] as $host_table )
{
	foreach ( $HostDb->query( "PRAGMA table_info($host_table)" ) as $host_column )
	{
		$HostDb->exec( "INSERT INTO information_schema.columns VALUES ('public','" . $host_table
			. "','" . strtolower( $host_column['name'] ) . "')" );
	}
}

function add_action( $tag, $function_to_add, $accepted_args = 1, $priority = 10 )
{
	global $RosarioActions;

	if ( function_exists( (string) $function_to_add ) )
	{
		$RosarioActions[ $tag ][ $priority ][ $function_to_add ] = (int) $accepted_args;
	}

	return true;
}

function do_action( $tag, $arg = '' )
{
	global $RosarioActions;

	$args = is_array( $arg ) ? array_merge( [ $tag ], $arg ) : [ $tag, $arg ];
	$by_priority = $RosarioActions[ $tag ] ?? [];
	ksort( $by_priority );

	foreach ( $by_priority as $functions )
	{
		foreach ( $functions as $function => $accepted_args )
		{
			call_user_func_array( $function, array_slice( $args, 0, $accepted_args ) );
		}
	}
}

function UserStudentID()
{
	return $_SESSION['student_id'];
}

function UserSchool()
{
	return $_SESSION['UserSchool'];
}

function UserSyear()
{
	return $_SESSION['UserSyear'];
}

function User( $item )
{
	global $HostProfile;

	return $item === 'PROFILE' ? $HostProfile : null;
}

function AllowEdit()
{
	return true;
}

function DBQuery( $sql )
{
	global $HostDb;

	$result = $HostDb->query( $sql );
	do_action( 'database.inc.php|dbquery_after', [ $sql, $result ] );

	return $result;
}

function DBGet( $result )
{
	$rows = [];
	$i = 1;

	foreach ( $result->fetchAll( PDO::FETCH_ASSOC ) as $row )
	{
		$rows[ $i++ ] = array_change_key_case( $row, CASE_UPPER );
	}

	return $rows;
}

function DBEscapeString( $str )
{
	global $HostDb;

	return substr( $HostDb->quote( (string) $str ), 1, -1 );
}

function DBUnescapeString( $str )
{
	return str_replace( "''", "'", (string) $str );
}

function DBGetOne( $sql )
{
	$rows = DBGet( DBQuery( $sql ) );

	return $rows ? reset( $rows[1] ) : false;
}

/** Warehouse.php's sanitizing of $_REQUEST before any module runs. */
function HostSanitizeRequest()
{
	array_walk_recursive( $_REQUEST, function ( &$value ) {
		$value = strip_tags( DBEscapeString( $value ) );
	} );
}

function ProgramConfig( $program, $item = 'all' )
{
	$config = [];

	foreach ( DBGet( DBQuery( "SELECT PROGRAM,TITLE,VALUE FROM program_config WHERE SYEAR='"
		. UserSyear() . "' AND SCHOOL_ID='" . UserSchool() . "' AND PROGRAM='"
		. DBEscapeString( $program ) . "'" ) ) as $row )
	{
		$config[ $row['TITLE'] ][1] = $row;
	}

	return $item === 'all' ? $config : ( $config[ $item ][1]['VALUE'] ?? null );
}

function ErrorMessage( $errors, $code = 'error' )
{
	return $errors ? '<div class="' . $code . '">' . implode( '<br>', $errors ) . '</div>' : '';
}

/**
 * Activates a plugin the way RosarioSIS does: its install.sql (on MySQL its
 * install_mysql.sql, when there is one), then its functions.php.
 */
function HostActivatePlugin( $dir )
{
	global $HostDb, $DatabaseType;

	$install = $dir . ( $DatabaseType === 'mysql' ? '/install_mysql.sql' : '/install.sql' );

	if ( file_exists( $install ) )
	{
		$HostDb->exec( file_get_contents( $install ) );
	}

	require_once $dir . '/functions.php';
}

/** The settings page of a plugin for a school, with posted values; returns its HTML. */
function HostSavePluginSettings( $dir, $school_id, $values )
{
	global $error, $note;

	$_SESSION['UserSchool'] = $school_id;
	$_REQUEST = [ 'save' => '1', 'values' => $values ];
	HostSanitizeRequest();
	$error = $note = [];
	ob_start();
	include $dir . '/config.inc.php';

	return ob_get_clean();
}

/**
 * RosarioSIS's DBInsertSQL() / DBUpdateSQL() shape: the table and column names quoted as
 * identifiers in lower case (INSERT INTO "student_enrollment" ("syear",...) values(...)),
 * empty values left out of an INSERT and set to NULL by an UPDATE.
 */
function HostDBInsert( $table, $columns )
{
	$columns = array_filter( $columns, function ( $v ) { return (string) $v !== ''; } );
	$quote = function ( $name ) { return '"' . strtolower( $name ) . '"'; };

	DBQuery( 'INSERT INTO ' . $quote( $table ) . ' (' . implode( ',', array_map( $quote, array_keys( $columns ) ) )
		. ") values('" . implode( "','", array_map( 'DBEscapeString', $columns ) ) . "');" );
}

function HostDBUpdate( $table, $columns, $where_columns )
{
	$quote = function ( $name ) { return '"' . strtolower( $name ) . '"'; };
	$set = $where = [];

	foreach ( $columns as $column => $value )
	{
		$set[] = $quote( $column ) . ( (string) $value === '' ? '=NULL' : "='" . DBEscapeString( $value ) . "'" );
	}

	foreach ( $where_columns as $column => $value )
	{
		$where[] = $quote( $column ) . "='" . DBEscapeString( $value ) . "'";
	}

	DBQuery( 'UPDATE ' . $quote( $table ) . ' SET ' . implode( ',', $set ) . ' WHERE ' . implode( ' AND ', $where ) . ';' );
}

/**
 * Students/Student.php, new student: the student row, then the first enrolment (SaveEnrollment,
 * DBInsertSQL), then the new student becomes the current one and create_student is fired.
 */
function HostCreateStudent( $student_id, $pgn, $school_id, $date )
{
	global $error, $note;

	$_SESSION['UserSchool'] = $school_id;
	$_REQUEST = [ 'students' => [ 'FIRST_NAME' => 'Test', 'CUSTOM_200000003' => $pgn ] ];
	$error = $note = [];
	do_action( 'Students/Student.php|create_student_checks' );
	HostDBInsert( 'students', [ 'STUDENT_ID' => (int) $student_id, 'FIRST_NAME' => 'Test',
		'LAST_NAME' => 'Pupil', 'CUSTOM_200000003' => $pgn ] );
	HostDBInsert( 'student_enrollment', [ 'SCHOOL_ID' => (int) $school_id, 'START_DATE' => $date,
		'SYEAR' => UserSyear(), 'STUDENT_ID' => (int) $student_id ] );
	$_SESSION['student_id'] = $student_id;
	do_action( 'Students/Student.php|create_student' );
}

/**
 * Students/Student.php, Enrollment section of the current student, as the real page does it
 * (tests/adapters/hosts/rosariosis/real/test_real_transfers.py drives the real one): a first save
 * gives the open enrolment a drop date (the day before $date) and drop code (the page offers a new enrolment row
 * only then); a second save adds the new row at another school: SaveEnrollment() switches
 * the session's school to it first, then inserts the row (DBInsertSQL). Each save fires
 * update_student_checks first, as Student.php does.
 */
function HostTransferStudent( $student_id, $to_school_id, $date )
{
	global $error, $note, $HostDb;

	$_SESSION['student_id'] = $student_id;
	$_REQUEST = [];
	$error = $note = [];
	$open = $HostDb->query( "SELECT ID FROM student_enrollment WHERE STUDENT_ID='" . (int) $student_id
		. "' AND END_DATE IS NULL" )->fetchColumn();
	do_action( 'Students/Student.php|update_student_checks' );
	$drop = date( 'Y-m-d', strtotime( $date . ' -1 day' ) ); // A start on the drop date is refused.
	HostDBUpdate( 'student_enrollment', [ 'END_DATE' => $drop, 'DROP_CODE' => 'TRAN' ],
		[ 'STUDENT_ID' => (int) $student_id, 'ID' => (int) $open ] );

	$error = $note = [];
	do_action( 'Students/Student.php|update_student_checks' );
	$_SESSION['UserSchool'] = $to_school_id;
	HostDBInsert( 'student_enrollment', [ 'START_DATE' => $date, 'SCHOOL_ID' => (int) $to_school_id,
		'SYEAR' => UserSyear(), 'STUDENT_ID' => (int) $student_id ] );
}

/** Students/Student.php, general tab of the current student: a new PGN field value saved. */
function HostUpdateStudentPgn( $student_id, $pgn )
{
	global $error, $note;

	$_SESSION['student_id'] = $student_id;
	$_REQUEST = [ 'students' => [ 'CUSTOM_200000003' => $pgn ] ];
	$error = $note = [];
	do_action( 'Students/Student.php|update_student_checks' );
	DBQuery( "UPDATE students SET CUSTOM_200000003='" . DBEscapeString( $pgn ) . "'
		WHERE STUDENT_ID='" . (int) $student_id . "'" );
	do_action( 'Students/Student.php|update_student' );
}

/** Students/Student.php for the current student: what the header hook prints. */
function HostStudentHeader( $student_id, $school_id )
{
	$_SESSION['student_id'] = $student_id;
	$_SESSION['UserSchool'] = $school_id;
	ob_start();
	do_action( 'Students/Student.php|header' );

	return ob_get_clean();
}

/** The end of any page (Warehouse( 'footer' )): fires Warehouse.php|footer. */
function HostPageLoad()
{
	global $error, $note;

	$error = $note = [];
	do_action( 'Warehouse.php|footer' );
}
