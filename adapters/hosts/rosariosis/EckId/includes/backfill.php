<?php
/**
 * EckId backfill: students of a school still without an ECK iD (the school was not yet
 * enabled or its start date had not come, the certificate was wrong, the plugin was off)
 * are requested at once with eckid_onboard() (the service's batch operations). Used by the
 * delivery run (deliver.php, every cron run) and by the "Request missing ECK iDs" action on
 * the plugin's settings page (EckIdBackfillBlock()). Safe to repeat: students already
 * waiting for the Nummervoorziening are not requested again, and onboard() itself keeps a
 * queued pupil's event and does not send a recorded one again.
 *
 * @package EckId
 */

require_once __DIR__ . '/settings.php';
require_once __DIR__ . '/store.php';
require_once __DIR__ . '/admin.php';

/**
 * Statuses of a pending row that the delivery run does not request again by itself: the
 * service's answer for that pupil, which a person must look at (the student's page shows it).
 * The settings page's action requests them too.
 */
function EckIdBackfillNeedsPerson()
{
	return [ 'soap_fault', 'bad_response', 'pupil_conflict', 'duplicate_pgn' ];
}

/**
 * The students enrolled at a school this school year (enrolment not ended) with no ECK iD
 * there and not waiting for one (no queued pending row).
 *
 * @param int  $school_id School ID.
 * @param bool $automatic True for the delivery run: leaves out EckIdBackfillNeedsPerson().
 * @return array [ [ 'STUDENT_ID' => int, 'PGN' => string ('' when the field is empty) ], ... ]
 */
function EckIdBackfillCandidates( $school_id, $automatic )
{
	$field = EckIdAllSchoolSettings()[ $school_id ]['ECKID_PGN_FIELD'] ?? '';

	if ( EckIdPgnFieldProblem( $field ) !== '' )
	{
		return []; // Not a students column: the settings page and the students' pages say so.
	}

	$skip = $automatic ? EckIdBackfillNeedsPerson() : [];
	$skip[] = 'queued';

	$rows = DBGet( DBQuery( "SELECT s.STUDENT_ID,s." . $field . " AS PGN FROM students s
		WHERE s.STUDENT_ID IN (SELECT se.STUDENT_ID FROM student_enrollment se
			WHERE se.SCHOOL_ID='" . (int) $school_id . "' AND se.SYEAR='" . (int) UserSyear() . "'
			AND (se.END_DATE IS NULL OR se.END_DATE>=CURRENT_DATE))
		AND NOT EXISTS (SELECT 1 FROM eckid_student e
			WHERE e.STUDENT_ID=s.STUDENT_ID AND e.SCHOOL_ID='" . (int) $school_id . "')
		AND NOT EXISTS (SELECT 1 FROM eckid_pending p
			WHERE p.STUDENT_ID=s.STUDENT_ID AND p.SCHOOL_ID='" . (int) $school_id . "'
			AND p.STATUS IN ('" . implode( "','", $skip ) . "'))
		ORDER BY s.STUDENT_ID" ) );

	$candidates = [];

	foreach ( (array) $rows as $row )
	{
		$candidates[] = [
			'STUDENT_ID' => (int) $row['STUDENT_ID'],
			'PGN' => trim( (string) $row['PGN'] ),
		];
	}

	return $candidates;
}

/**
 * Requests the ECK iDs of a school's students without one (eckid_onboard()); each accepted
 * student gets a queued pending row (EckIdDeliverResults() records the result), each
 * refused one a pending row with why.
 *
 * @param int  $school_id School ID.
 * @param bool $automatic True for the delivery run (see EckIdBackfillCandidates()).
 * @return array [ 'requested' => int, 'refused' => int, 'without_pgn' => int ]
 * @throws EckId\EckIdException Nothing requested: E_NOT_ENABLED (not enabled, or before its
 *         start date), E_CONFIG, E_CREDENTIALS, E_STATE, ...
 */
function EckIdBackfill( $school_id, $automatic = false )
{
	$counts = [ 'requested' => 0, 'refused' => 0, 'without_pgn' => 0 ];
	$pupils = [];

	foreach ( EckIdBackfillCandidates( $school_id, $automatic ) as $row )
	{
		if ( $row['PGN'] === '' )
		{
			$counts['without_pgn']++;

			continue;
		}

		$pupils[] = [ (string) $row['STUDENT_ID'], $row['PGN'], EckId\Abi::PGN_PUPIL ];
	}

	$plugin = $pupils ? EckIdPluginFor( $school_id ) : null;

	if ( ! $plugin )
	{
		return $counts;
	}

	foreach ( $plugin->onboard( (string) $school_id, $pupils ) as $receipt )
	{
		if ( $receipt->accepted() )
		{
			EckIdSavePending( (int) $receipt->pupilKey, $school_id, 'queued', sprintf(
				_( 'requested (event %d), waiting for the Nummervoorziening' ), $receipt->eventId ) );
			$counts['requested']++;
		}
		else
		{
			// The plugin's message names what was wrong, never the PGN.
			EckIdSavePending( (int) $receipt->pupilKey, $school_id, $receipt->statusName(), $receipt->message );
			$counts['refused']++;
		}
	}

	return $counts;
}

/**
 * A school's students this school year by ECK iD state, from the plugin's tables.
 *
 * @return array [ 'students' => int, 'recorded' => int, 'waiting' => int, 'missing' => int ]
 */
function EckIdBackfillProgress( $school_id )
{
	$row = DBGet( DBQuery( "SELECT COUNT(*) AS STUDENTS,
		SUM(CASE WHEN EXISTS (SELECT 1 FROM eckid_student e WHERE e.STUDENT_ID=se.STUDENT_ID
			AND e.SCHOOL_ID=se.SCHOOL_ID) THEN 1 ELSE 0 END) AS RECORDED,
		SUM(CASE WHEN EXISTS (SELECT 1 FROM eckid_pending p WHERE p.STUDENT_ID=se.STUDENT_ID
			AND p.SCHOOL_ID=se.SCHOOL_ID AND p.STATUS='queued') THEN 1 ELSE 0 END) AS WAITING
		FROM (SELECT DISTINCT STUDENT_ID,SCHOOL_ID FROM student_enrollment
			WHERE SCHOOL_ID='" . (int) $school_id . "' AND SYEAR='" . (int) UserSyear() . "'
			AND (END_DATE IS NULL OR END_DATE>=CURRENT_DATE)) se" ) );

	$students = (int) ( $row[1]['STUDENTS'] ?? 0 );
	$recorded = (int) ( $row[1]['RECORDED'] ?? 0 );
	$waiting = (int) ( $row[1]['WAITING'] ?? 0 );

	return [
		'students' => $students,
		'recorded' => $recorded,
		'waiting' => $waiting,
		'missing' => max( 0, $students - $recorded - $waiting ),
	];
}

/**
 * The settings page's "Request missing ECK iDs" block for the current school: runs the
 * action when it was posted (administrators who may edit), then shows the progress and the
 * button. Messages are text (escaped here).
 */
function EckIdBackfillBlock()
{
	$school_id = (int) UserSchool();

	if ( empty( EckIdAllSchoolSettings()[ $school_id ] ) )
	{
		return; // Nothing to request with before the settings are saved.
	}

	$messages = [];
	$failed = false;

	if ( ! empty( $_REQUEST['eckid_backfill'] ) && AllowEdit() )
	{
		try
		{
			$counts = EckIdBackfill( $school_id );

			$messages[] = sprintf(
				_( 'ECK iDs requested for %d students; %d refused (their pages say why); %d without a BSN or onderwijsnummer.' ),
				$counts['requested'], $counts['refused'], $counts['without_pgn'] );
		}
		catch ( Throwable $e )
		{
			// EckId\EckIdException: the plugin's message (never a PGN); FFI: the library.
			$failed = true;
			$messages[] = sprintf( _( 'No ECK iDs requested: %s' ), $e->getMessage() );
		}

		EckIdDeliverResults(); // Those the plugin already knows are recorded at once.
	}

	$progress = EckIdBackfillProgress( $school_id );

	echo '<h3>' . _( 'Missing ECK iDs' ) . '</h3>';

	foreach ( $messages as $message )
	{
		echo '<p class="' . ( $failed ? 'eckid-error' : 'eckid-note' ) . '">'
			. htmlspecialchars( $message ) . '</p>';
	}

	echo '<p class="eckid-progress">' . htmlspecialchars( sprintf(
		_( 'Students this school year: %d; with an ECK iD: %d; requested, waiting for the Nummervoorziening: %d; without an ECK iD: %d.' ),
		$progress['students'], $progress['recorded'], $progress['waiting'], $progress['missing'] ) ) . '</p>';

	if ( AllowEdit() )
	{
		echo '<form method="POST"><input type="hidden" name="eckid_backfill" value="1">'
			. '<input type="submit" value="' . htmlspecialchars( _( 'Request missing ECK iDs' ) ) . '"></form>';
	}
}
