<?php
/**
 * EckId records in RosarioSIS's database: ECK iDs (eckid_student) and events still without
 * one (eckid_pending). Never a PGN.
 *
 * @package EckId
 */

/**
 * Runs one plugin event for a student at a school and records its outcome: the ECK iDs, or
 * a pending row and a message in the page's $error list.
 *
 * @param int      $student_id Student ID.
 * @param int      $school_id  School ID the result belongs to.
 * @param callable $event      fn( EckId\Plugin $plugin ): EckId\Result
 * @return bool True when the ECK iDs were recorded.
 */
function EckIdRun( $student_id, $school_id, $event )
{
	global $error, $note;

	try
	{
		$plugin = EckIdPluginFor( $school_id );

		if ( ! $plugin )
		{
			return false;
		}

		EckIdSaveResult( $student_id, $school_id, $event( $plugin ) );

		$note[] = sprintf( _( 'ECK iD recorded for school %s.' ), $school_id );

		return true;
	}
	catch ( EckId\EckIdException $e )
	{
		// The plugin's message names the problem and never contains a PGN.
		DBQuery( "DELETE FROM eckid_pending WHERE STUDENT_ID='" . (int) $student_id . "'
			AND SCHOOL_ID='" . (int) $school_id . "'" );
		DBQuery( "INSERT INTO eckid_pending (STUDENT_ID,SCHOOL_ID,STATUS,MESSAGE)
			VALUES('" . (int) $student_id . "','" . (int) $school_id . "','"
			. DBEscapeString( $e->statusName() ) . "','" . DBEscapeString( $e->getMessage() ) . "')" );

		$message = sprintf( _( 'No ECK iD yet: %s' ), $e->getMessage() );

		if ( $e->status() === EckId\Status::E_NOT_ENABLED )
		{
			$note[] = $message; // The school's choice, not a fault.
		}
		else
		{
			$error[] = $message;
		}

		return false;
	}
}

/** Replaces a student's ECK iDs at a school with a plugin result; clears a pending row. */
function EckIdSaveResult( $student_id, $school_id, EckId\Result $result )
{
	$where = " WHERE STUDENT_ID='" . (int) $student_id . "' AND SCHOOL_ID='" . (int) $school_id . "'";

	DBQuery( "DELETE FROM eckid_student" . $where );
	DBQuery( "DELETE FROM eckid_pending" . $where );

	foreach ( $result->eckids as $chain => $eckid )
	{
		DBQuery( "INSERT INTO eckid_student (STUDENT_ID,SCHOOL_ID,CHAIN,ECKID,SECTOR)
			VALUES('" . (int) $student_id . "','" . (int) $school_id . "','"
			. DBEscapeString( $chain ) . "','" . DBEscapeString( $eckid ) . "','"
			. DBEscapeString( $result->sector ) . "')" );
	}
}

/** A student's ECK iD rows at a school (CHAIN, ECKID, SECTOR), [] when none. */
function EckIdStudentRows( $student_id, $school_id )
{
	return (array) DBGet( DBQuery( "SELECT CHAIN,ECKID,SECTOR FROM eckid_student
		WHERE STUDENT_ID='" . (int) $student_id . "' AND SCHOOL_ID='" . (int) $school_id . "'
		ORDER BY CHAIN" ) );
}

/** A student's pending row at a school (STATUS, MESSAGE), or null. */
function EckIdPendingRow( $student_id, $school_id )
{
	$rows = DBGet( DBQuery( "SELECT STATUS,MESSAGE FROM eckid_pending
		WHERE STUDENT_ID='" . (int) $student_id . "' AND SCHOOL_ID='" . (int) $school_id . "'" ) );

	return empty( $rows[1] ) ? null : $rows[1];
}

/**
 * The student's PGN from the configured student field, '' when empty. Read from the saved
 * record; the value is passed to the plugin only, never shown or logged.
 */
function EckIdStudentPgn( $student_id, $school_id )
{
	$schools = EckIdAllSchoolSettings();

	$field = isset( $schools[ $school_id ] ) ? $schools[ $school_id ]['ECKID_PGN_FIELD'] : '';

	if ( ! preg_match( '/^[A-Z0-9_]+$/i', $field ) )
	{
		return '';
	}

	$rows = DBGet( DBQuery( "SELECT " . $field . " AS PGN FROM students
		WHERE STUDENT_ID='" . (int) $student_id . "'" ) );

	return empty( $rows[1]['PGN'] ) ? '' : trim( (string) $rows[1]['PGN'] );
}
