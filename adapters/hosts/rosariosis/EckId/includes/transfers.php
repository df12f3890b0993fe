<?php
/**
 * EckId transfers: students who moved to another school, found from their enrolments.
 *
 * RosarioSIS moves students between schools in two ways, neither of which names a student to
 * a hook:
 * - Students > Student Info, Enrollment: the enrolment at school A gets an END_DATE and a
 *   DROP_CODE, then a new enrolment row at school B is added; SaveEnrollment() switches the
 *   session's school to B and inserts the row with DBInsertSQL(), which quotes the table name
 *   (INSERT INTO "student_enrollment" on PostgreSQL, `student_enrollment` on MySQL).
 * - School > Rollover, Students, with "Rolling / Retention Options" set to another school
 *   (NEXT_SCHOOL): set-based INSERT INTO student_enrollment ... SELECT for every student of
 *   the current school, next school year, no current student.
 * Both end in an INSERT into student_enrollment, seen by database.inc.php|dbquery_after. The
 * plugin then compares enrolments with its own records: a student with an open enrolment at
 * a school with eckid settings, no ECK iD and no pending row there, but an ECK iD at another
 * school, moved there (EckIdFindTransfers()).
 *
 * @package EckId
 */

/** Set while EckIdFindTransfers() runs: its own queries fire dbquery_after too. */
$EckIdFindingTransfers = false;

/**
 * database.inc.php|dbquery_after: after an INSERT into student_enrollment (any quoting of
 * the table name), the students who moved get their ECK iD at the new school.
 *
 * @param string $tag The hook's name.
 * @param string $sql The query RosarioSIS ran (after db_sql_filter()).
 */
function EckIdAfterEnrolmentQuery( $tag, $sql )
{
	global $EckIdFindingTransfers;

	if ( $EckIdFindingTransfers
		|| ! preg_match( '/^\s*INSERT\s+INTO\s+[`"]?student_enrollment[`"]?[\s(]/i', (string) $sql ) )
	{
		return;
	}

	EckIdFindTransfers();
}

/**
 * Finds the students who moved and runs their event: a transfer when both schools share one
 * plugin configuration (same sector: the ECK iD is kept without a service call; other
 * sector: a new ECK iD for the new school's sector), otherwise a pupil created at the new
 * school. Considers enrolments of this school year and later (Rollover writes the next one)
 * that have started or will start and have not ended before today, at schools with eckid
 * settings for this school year. A student with a pending row at the new school is left to
 * that row's own retry. Safe to repeat: a student known at the new school is skipped.
 *
 * @return int How many students were handed to the plugin.
 */
function EckIdFindTransfers()
{
	global $EckIdFindingTransfers;

	$schools = EckIdAllSchoolSettings();

	if ( count( $schools ) < 1 )
	{
		return 0;
	}

	$EckIdFindingTransfers = true;

	try
	{
		$ids = implode( ',', array_map( 'intval', array_keys( $schools ) ) );

		// The from-school: the school with the student's ECK iD whose enrolment started last.
		$moved = DBGet( DBQuery( "SELECT e.STUDENT_ID,e.SCHOOL_ID,e.START_DATE,
			(SELECT x.SCHOOL_ID FROM eckid_student x
				LEFT JOIN student_enrollment f ON f.STUDENT_ID=x.STUDENT_ID AND f.SCHOOL_ID=x.SCHOOL_ID
				WHERE x.STUDENT_ID=e.STUDENT_ID AND x.SCHOOL_ID<>e.SCHOOL_ID
				ORDER BY f.START_DATE IS NULL,f.START_DATE DESC LIMIT 1) AS FROM_SCHOOL
			FROM student_enrollment e
			WHERE e.SYEAR>='" . (int) UserSyear() . "'
			AND e.SCHOOL_ID IN (" . $ids . ")
			AND e.START_DATE IS NOT NULL
			AND (e.END_DATE IS NULL OR e.END_DATE>=CURRENT_DATE)
			AND NOT EXISTS (SELECT 1 FROM eckid_student x
				WHERE x.STUDENT_ID=e.STUDENT_ID AND x.SCHOOL_ID=e.SCHOOL_ID)
			AND NOT EXISTS (SELECT 1 FROM eckid_pending p
				WHERE p.STUDENT_ID=e.STUDENT_ID AND p.SCHOOL_ID=e.SCHOOL_ID)
			AND EXISTS (SELECT 1 FROM eckid_student x
				WHERE x.STUDENT_ID=e.STUDENT_ID AND x.SCHOOL_ID<>e.SCHOOL_ID)
			ORDER BY e.STUDENT_ID,e.START_DATE" ) );

		$done = [];

		foreach ( (array) $moved as $row )
		{
			$student_id = (int) $row['STUDENT_ID'];
			$to = (int) $row['SCHOOL_ID'];

			if ( isset( $done[ $student_id . '/' . $to ] ) || $row['FROM_SCHOOL'] === null )
			{
				continue; // Two enrolments at one school (e.g. this year's and the next).
			}

			$done[ $student_id . '/' . $to ] = true;

			EckIdTransferred( $student_id, (int) $row['FROM_SCHOOL'], $to, (string) $row['START_DATE'] );
		}

		return count( $done );
	}
	finally
	{
		$EckIdFindingTransfers = false;
	}
}

/**
 * One student moved from one school to another (both RosarioSIS school IDs); $date is the
 * new enrolment's start date (YYYY-MM-DD). A transfer when both schools share one plugin
 * configuration, else the student is created at the new school (the binding's
 * transferOrCreate(): the schools' plugins do not share records).
 */
function EckIdTransferred( $student_id, $from, $to, $date )
{
	$pgn = EckIdPgnToSend( $student_id, $to );

	if ( $pgn === '' )
	{
		return;
	}

	EckIdRun( $student_id, $to, function ( $plugin ) use ( $student_id, $from, $to, $pgn, $date )
	{
		return $plugin->transferOrCreate( (string) $student_id, (string) $from, (string) $to, $pgn, $date );
	} );
}
