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
 * A queued result (the Nummervoorziening did not answer in time: the event is kept in the
 * plugin's outbox) leaves a queued pending row; EckIdDeliverResults() records the ECK iDs
 * once the plugin has them.
 *
 * @param callable $event      fn( EckId\Plugin $plugin ): EckId\Result
 * @return bool True when the ECK iDs were recorded.
 */
function EckIdRun( $student_id, $school_id, $event )
{
	try
	{
		$plugin = EckIdPluginFor( $school_id );

		if ( ! $plugin )
		{
			return false;
		}

		$result = $event( $plugin );

		EckIdWriteResult( $student_id, $school_id, $result );

		if ( $result->queued() )
		{
			EckIdTell( _( 'ECK iD requested: the Nummervoorziening has not answered yet; the ECK iD is recorded when it does.' ), false );

			return false;
		}

		EckIdTell( sprintf( _( 'ECK iD recorded for school %s.' ), $school_id ), false );

		return true;
	}
	catch ( EckId\EckIdException $e )
	{
		// The plugin's message names the problem and never contains a PGN.
		EckIdSavePending( $student_id, $school_id, $e->statusName(), $e->getMessage() );

		// For administrators only, as text; the student is saved either way.
		EckIdTell( sprintf( _( 'No ECK iD yet: %s' ), $e->getMessage() ),
			$e->status() !== EckId\Status::E_NOT_ENABLED ); // Not enabled: the school's choice.

		return false;
	}
}

/** The pending message of a queued event (the plugin's last transient failure, if any). */
function EckIdQueuedMessage( EckId\Result $result )
{
	return sprintf( _( 'requested (event %d), waiting for the Nummervoorziening' ), $result->eventId )
		. ( $result->message === '' ? '' : ': ' . $result->message );
}

/**
 * Records a plugin result for a student at a school: the ECK iDs (ok), a queued pending row
 * (the event waits in the plugin's outbox) or a pending row with the failure's status and
 * message (the plugin's messages never hold a PGN).
 */
function EckIdWriteResult( $student_id, $school_id, EckId\Result $result )
{
	if ( $result->ok() )
	{
		EckIdSaveResult( $student_id, $school_id, $result );
	}
	elseif ( $result->queued() )
	{
		EckIdSavePending( $student_id, $school_id, $result->statusName(), EckIdQueuedMessage( $result ) );
	}
	else
	{
		EckIdSavePending( $student_id, $school_id, $result->statusName(), $result->message );
	}
}

/**
 * Replaces a student's pending row at a school. $status: the plugin status's stable name
 * (eckid_status_name: 'queued', 'invalid_pgn', ...) or the plugin's own 'forget'; the
 * plugin's messages never hold a PGN.
 */
function EckIdSavePending( $student_id, $school_id, $status, $message )
{
	DBQuery( "DELETE FROM eckid_pending WHERE STUDENT_ID='" . (int) $student_id . "'
		AND SCHOOL_ID='" . (int) $school_id . "'" );
	DBQuery( "INSERT INTO eckid_pending (STUDENT_ID,SCHOOL_ID,STATUS,MESSAGE)
		VALUES('" . (int) $student_id . "','" . (int) $school_id . "','"
		. DBEscapeString( $status ) . "','" . DBEscapeString( $message ) . "')" );
}

/**
 * Records the results the plugin finished after their event call returned queued: for each
 * service file of the schools' settings, every result eckid_poll() hands out, acknowledged
 * once recorded (a crash in between delivers it again). Cheap when nothing is queued: the
 * plugin is not even opened. Never throws; a failure stays for the next call.
 *
 * @return int How many results were recorded.
 */
function EckIdDeliverResults()
{
	$queued = DBGet( DBQuery( "SELECT DISTINCT SCHOOL_ID FROM eckid_pending WHERE STATUS='queued'" ) );

	if ( empty( $queued[1] ) )
	{
		return 0;
	}

	$schools = EckIdAllSchoolSettings();
	$services = [];

	foreach ( $queued as $row )
	{
		if ( ! empty( $schools[ $row['SCHOOL_ID'] ] ) )
		{
			$services[ $schools[ $row['SCHOOL_ID'] ]['ECKID_CONFIG_PATH'] ] = (int) $row['SCHOOL_ID'];
		}
	}

	$count = 0;

	foreach ( $services as $school_id )
	{
		try
		{
			$plugin = EckIdPluginFor( $school_id );

			if ( $plugin )
			{
				// Acknowledged only once written: a crash in between delivers it again.
				$plugin->deliver( function ( EckId\Result $result ) use ( &$count )
				{
					EckIdWriteResult( (int) $result->pupilKey, (int) $result->schoolKey, $result );
					$count++;
				} );
			}
		}
		catch ( EckId\EckIdException $e )
		{
			// E.g. the state folder unreadable: the results wait in the outbox.
		}
	}

	return $count;
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

	if ( EckIdPgnFieldProblem( $field ) !== '' )
	{
		return ''; // Never a database error page: EckIdCreated() says what to fix.
	}

	$rows = DBGet( DBQuery( "SELECT " . $field . " AS PGN FROM students
		WHERE STUDENT_ID='" . (int) $student_id . "'" ) );

	return empty( $rows[1]['PGN'] ) ? '' : trim( (string) $rows[1]['PGN'] );
}
