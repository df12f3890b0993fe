<?php
/**
 * EckId forgetting: a student deleted in RosarioSIS (Students > Student Info, Delete) is
 * forgotten by the plugin at every school with eckid settings (eckid_forget_pupil(): the
 * plugin's record, HPgn, ECK iDs and queued events of that pupil key at that school) and loses
 * the plugin's rows here, so a new student who is given the same student ID later (Add a
 * Student, "RosarioSIS ID") never sees the old one's ECK iD. A school where forgetting fails
 * keeps a 'forget' pending row: the delivery run retries it, and a new student with that ID gets
 * no ECK iD before it succeeds.
 *
 * @package EckId
 */

require_once __DIR__ . '/settings.php';
require_once __DIR__ . '/store.php';
require_once __DIR__ . '/admin.php';

/** Students/Student.php|delete_student: after RosarioSIS deleted the student's rows. */
function EckIdDeleteStudent( $tag )
{
	EckIdForget( (int) $_REQUEST['student_id'] );
}

/**
 * Forgets a student at every school with eckid settings this school year and removes the
 * plugin's rows of the student there.
 *
 * @param int $student_id RosarioSIS student ID.
 * @return bool True when no school is left to forget the student at.
 */
function EckIdForget( $student_id )
{
	$done = true;

	foreach ( array_keys( EckIdAllSchoolSettings() ) as $school_id )
	{
		try
		{
			$plugin = EckIdPluginFor( $school_id );

			if ( $plugin )
			{
				$plugin->forgetPupil( (string) $school_id, (string) $student_id );
			}

			$where = " WHERE STUDENT_ID='" . (int) $student_id . "' AND SCHOOL_ID='" . (int) $school_id . "'";

			DBQuery( "DELETE FROM eckid_student" . $where );
			DBQuery( "DELETE FROM eckid_pending" . $where );
		}
		catch ( EckId\EckIdException $e )
		{
			$done = false;

			EckIdSavePending( $student_id, $school_id, 'forget', $e->getMessage() );
			EckIdTell( sprintf( _( 'The ECK iD plugin has not forgotten the deleted student yet (%s); the delivery command retries it once that is fixed.' ),
				$e->getMessage() ) );
		}
	}

	return $done;
}

/**
 * Retries forgetting the deleted students whose forgetting failed before ('forget' rows), all
 * of them or one student ID.
 *
 * @param int|null $student_id Only this student ID; null: all.
 * @return bool True when none is left.
 */
function EckIdRetryForgets( $student_id = null )
{
	$rows = DBGet( DBQuery( "SELECT DISTINCT STUDENT_ID FROM eckid_pending WHERE STATUS='forget'"
		. ( $student_id === null ? '' : " AND STUDENT_ID='" . (int) $student_id . "'" ) ) );

	$done = true;

	foreach ( (array) $rows as $row )
	{
		$done = EckIdForget( (int) $row['STUDENT_ID'] ) && $done;
	}

	return $done;
}
