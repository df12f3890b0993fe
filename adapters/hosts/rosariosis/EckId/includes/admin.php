<?php
/**
 * EckId: what the administrator must fix before the plugin can work (the database, PHP FFI,
 * libeckid.so, the PGN field), who is told what, and Copy School.
 *
 * Who sees what (spec "What the sector asks of the school's system"): the ECK iD is not
 * shown to ordinary users, parents and pupils never see it, and error details (file paths,
 * service messages) are for administrators. So every message and the student's ECK iD
 * part are for the "admin" profile only; teachers, parents and students see nothing of the
 * plugin. Administrators see whether a pupil has an ECK iD, masked to its last 6
 * characters, and the reason when there is none.
 *
 * @package EckId
 */

/** Whether the current user has RosarioSIS's administrator profile. */
function EckIdIsAdmin()
{
	return function_exists( 'User' ) && User( 'PROFILE' ) === 'admin';
}

/**
 * Adds a message for the current page: to $error (or $note) for an administrator, escaped
 * as text (RosarioSIS's ErrorMessage() prints its list as HTML); nothing for anyone else.
 *
 * @param string $message Plain text; never a PGN.
 * @param bool   $is_error True: $error, false: $note.
 */
function EckIdTell( $message, $is_error = true )
{
	global $error, $note;

	if ( ! EckIdIsAdmin() )
	{
		return;
	}

	if ( $is_error )
	{
		$error[] = htmlspecialchars( $message, ENT_QUOTES );
	}
	else
	{
		$note[] = htmlspecialchars( $message, ENT_QUOTES );
	}
}

/** Whether RosarioSIS runs on MySQL (the plugin needs PostgreSQL: README "Requirements"). */
function EckIdOnMySql()
{
	global $DatabaseType;

	return isset( $DatabaseType ) && $DatabaseType === 'mysql';
}

/** The administrator's notice on MySQL: the plugin does nothing there. */
function EckIdMySqlMessage()
{
	return _( 'The EckId plugin needs PostgreSQL, and this RosarioSIS runs on MySQL: it requests no ECK iDs. Deactivate it on School > Configuration > Plugins.' );
}

/**
 * Why this PHP process cannot load libeckid, or '' when nothing is known to be wrong
 * (loading may still fail: EckIdPluginFor() reports that).
 *
 * @return string What to fix, for an administrator; names settings and paths, never a PGN.
 */
function EckIdHostProblem()
{
	if ( EckIdOnMySql() )
	{
		return EckIdMySqlMessage();
	}

	if ( ! extension_loaded( 'ffi' ) )
	{
		return _( 'PHP FFI is not installed for the web server (php -m does not list FFI): install it, enable it with "php_admin_value ffi.enable true" in the site\'s Apache configuration and restart Apache.' );
	}

	$enable = strtolower( trim( (string) ini_get( 'ffi.enable' ) ) );

	// "preload" (PHP's default) allows FFI::cdef() on the command line only.
	if ( ! in_array( $enable, [ '1', 'true', 'on', 'yes' ], true )
		&& ( PHP_SAPI !== 'cli' || in_array( $enable, [ '', '0', 'false', 'off', 'no' ], true ) ) )
	{
		return sprintf( _( 'PHP FFI is disabled for the web server (ffi.enable is "%s"): add "php_admin_value ffi.enable true" to the site\'s Apache configuration and restart Apache.' ), $enable );
	}

	$library = getenv( 'ECKID_LIBRARY' );

	if ( $library !== false && $library !== '' && ! is_readable( $library ) )
	{
		return sprintf( _( 'libeckid.so is not at %s, or the web server cannot read it (ECKID_LIBRARY in the site\'s Apache configuration): install it there, or correct "SetEnv ECKID_LIBRARY" and restart Apache.' ), $library );
	}

	return '';
}

/**
 * The columns of RosarioSIS's students table, lower case (PostgreSQL's catalog).
 *
 * @return string[]
 */
function EckIdStudentColumns()
{
	static $columns = null;

	if ( $columns === null )
	{
		$columns = [];

		foreach ( (array) DBGet( DBQuery( "SELECT COLUMN_NAME FROM information_schema.columns
			WHERE TABLE_NAME='students' AND TABLE_SCHEMA=current_schema()" ) ) as $row )
		{
			$columns[] = strtolower( (string) $row['COLUMN_NAME'] );
		}
	}

	return $columns;
}

/** Why a PGN field setting cannot be read from the students table, or ''. */
function EckIdPgnFieldProblem( $field )
{
	if ( preg_match( '/^[A-Z0-9_]+$/i', (string) $field )
		&& in_array( strtolower( $field ), EckIdStudentColumns(), true ) )
	{
		return '';
	}

	return sprintf( _( 'The PGN field "%s" is not a column of the students table: enter the column of the student field that holds the BSN or onderwijsnummer (e.g. CUSTOM_200000003 for "Social Security"; Students > Student Fields shows each field\'s number) on the EckId settings page.' ), $field );
}

/**
 * Whether another school has the OIN this school year (two schools with one OIN would send
 * one school's pupils under the other's OIN).
 *
 * @return int The other school's ID, 0 when none.
 */
function EckIdOinHolder( $oin, $school_id )
{
	return (int) DBGetOne( "SELECT SCHOOL_ID FROM program_config WHERE PROGRAM='eckid'
		AND TITLE='ECKID_OIN' AND VALUE='" . DBEscapeString( $oin ) . "'
		AND SYEAR='" . (int) UserSyear() . "' AND SCHOOL_ID<>'" . (int) $school_id . "'
		ORDER BY SCHOOL_ID" );
}

/**
 * School_Setup/CopySchool.php|copy_school (UserSchool() is the new school): RosarioSIS
 * copies the school's program_config, the EckId settings included. The copy starts disabled
 * and without an OIN, so that it never requests ECK iDs under the original school's OIN.
 */
function EckIdCopySchool( $tag )
{
	$where = " WHERE PROGRAM='eckid' AND TITLE IN ('ECKID_ENABLED','ECKID_OIN')
		AND SCHOOL_ID='" . (int) UserSchool() . "'";

	if ( ! DBGetOne( "SELECT 1 FROM program_config" . $where ) )
	{
		return;
	}

	DBQuery( "UPDATE program_config SET VALUE=''" . $where );

	if ( EckIdIsAdmin() )
	{
		echo ErrorMessage( [ htmlspecialchars( _( 'The ECK iD settings of the new school start disabled and without an OIN: enter its own OIN on the EckId settings page before enabling it.' ) ) ], 'note' );
	}
}
