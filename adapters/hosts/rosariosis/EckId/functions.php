<?php
/**
 * EckId plugin for RosarioSIS: ECK iDs from the Nummervoorziening through libeckid.
 *
 * RosarioSIS includes this file for the activated plugin on every request. The hooks:
 * - Students/Student.php|create_student: a new student and their first enrolment are
 *   saved -> pupil created at UserSchool().
 * - database.inc.php|dbquery_after: an INSERT into student_enrollment (the Enrollment
 *   section's new enrolment, School > Rollover) -> students with an open enrolment at a
 *   school where they have no ECK iD yet but have one at another school: pupil transferred
 *   (includes/transfers.php).
 * - Students/Student.php|update_student_checks / update_student: the PGN field changed ->
 *   PGN changed (or created, when the student had no ECK iD yet).
 * - Students/Student.php|header: administrators see the ECK iD masked, or why there is none.
 * - School_Setup/CopySchool.php|copy_school: the copy's settings start disabled, no OIN.
 * - Students/Student.php|delete_student: the student is forgotten (includes/forget.php).
 * - Warehouse.php|footer (every page load): records the ECK iDs of events that were queued
 *   because the Nummervoorziening did not answer in time (EckIdDeliverResults()).
 *
 * @package EckId
 */

require_once is_file( __DIR__ . '/lib/eckid.php' ) ?
	__DIR__ . '/lib/eckid.php' : // The binding copied in by the plugin bundle.
	__DIR__ . '/../../../bindings/php/eckid.php'; // The source tree.
require_once __DIR__ . '/includes/settings.php';
require_once __DIR__ . '/includes/store.php';
require_once __DIR__ . '/includes/transfers.php';
require_once __DIR__ . '/includes/admin.php';
require_once __DIR__ . '/includes/forget.php';

if ( EckIdOnMySql() )
{
	// No tables (install.sql is PostgreSQL's; there is no install_mysql.sql): no hook that
	// reads them; the settings page and the student's page tell administrators why.
	add_action( 'Students/Student.php|header', 'EckIdMySqlNotice' );

	return;
}

add_action( 'Students/Student.php|create_student', 'EckIdCreateStudent' );
add_action( 'database.inc.php|dbquery_after', 'EckIdAfterEnrolmentQuery', 2 );
add_action( 'Students/Student.php|update_student_checks', 'EckIdBeforeUpdate' );
add_action( 'Students/Student.php|update_student', 'EckIdAfterUpdate' );
add_action( 'Students/Student.php|header', 'EckIdStudentHeader' );
add_action( 'Warehouse.php|footer', 'EckIdPageLoad' );
add_action( 'School_Setup/CopySchool.php|copy_school', 'EckIdCopySchool' );
add_action( 'Students/Student.php|delete_student', 'EckIdDeleteStudent' );

/** Students/Student.php header on MySQL: the administrator's notice. */
function EckIdMySqlNotice( $tag )
{
	if ( EckIdIsAdmin() )
	{
		echo ErrorMessage( [ htmlspecialchars( EckIdMySqlMessage() ) ], 'warning' );
	}
}

/** The PGN held between update_student_checks and update_student, per student. */
$EckIdPgnBefore = [];

/** create_student: the new student (UserStudentID()) at UserSchool(). */
function EckIdCreateStudent( $tag )
{
	$student_id = (int) UserStudentID();
	$school_id = (int) UserSchool();

	EckIdCreated( $student_id, $school_id );
}

/** Pupil created at a school from the student's PGN field; a note when it is empty. */
function EckIdCreated( $student_id, $school_id )
{
	$pgn = EckIdPgnToSend( $student_id, $school_id );

	if ( $pgn === '' )
	{
		return;
	}

	EckIdRun( $student_id, $school_id, function ( $plugin ) use ( $student_id, $school_id, $pgn )
	{
		return $plugin->pupilCreated( (string) $school_id, (string) $student_id, $pgn, date( 'Y-m-d' ) );
	} );
}

/**
 * The student's PGN for a first request at a school, or '' when none may be sent: a PGN
 * field that cannot be read (a pending 'config' row and a message), a deleted student's ID
 * not forgotten yet (never the old one's ECK iD), or no PGN (a note).
 */
function EckIdPgnToSend( $student_id, $school_id )
{
	$settings = EckIdAllSchoolSettings()[ $school_id ] ?? null;
	$field_problem = $settings ? EckIdPgnFieldProblem( $settings['ECKID_PGN_FIELD'] ) : '';

	if ( $field_problem !== '' )
	{
		EckIdSavePending( $student_id, $school_id, 'config', $field_problem );
		EckIdTell( sprintf( _( 'No ECK iD yet: %s' ), $field_problem ) );

		return '';
	}

	if ( ! EckIdRetryForgets( $student_id ) )
	{
		return '';
	}

	$pgn = EckIdStudentPgn( $student_id, $school_id );

	if ( $pgn === '' && $settings )
	{
		EckIdTell( _( 'No ECK iD requested: the student has no PGN (BSN or onderwijsnummer).' ), false );
	}

	return $pgn;
}

/** update_student_checks: remembers the PGN before the update saves the new one. */
function EckIdBeforeUpdate( $tag )
{
	global $EckIdPgnBefore;

	if ( UserStudentID() )
	{
		$EckIdPgnBefore[ (int) UserStudentID() ] = EckIdStudentPgn( (int) UserStudentID(), (int) UserSchool() );
	}
}

/**
 * update_student: a changed PGN is a PGN change for a student with an ECK iD here, and a
 * first try for one without (a PGN that was missing or invalid before).
 */
function EckIdAfterUpdate( $tag )
{
	global $EckIdPgnBefore;

	$student_id = (int) UserStudentID();
	$school_id = (int) UserSchool();

	if ( ! isset( $EckIdPgnBefore[ $student_id ] ) )
	{
		return;
	}

	$old = $EckIdPgnBefore[ $student_id ];
	unset( $EckIdPgnBefore[ $student_id ] );
	$new = EckIdStudentPgn( $student_id, $school_id );

	if ( $new === '' || $new === $old )
	{
		return;
	}

	if ( $old === '' || ! EckIdStudentRows( $student_id, $school_id ) )
	{
		EckIdCreated( $student_id, $school_id );

		return;
	}

	EckIdRun( $student_id, $school_id, function ( $plugin ) use ( $student_id, $school_id, $old, $new )
	{
		return $plugin->pgnChanged( (string) $school_id, (string) $student_id, $old, $new );
	} );
}

/** Warehouse.php footer, on every page load: results of queued events. */
function EckIdPageLoad( $tag )
{
	EckIdDeliverResults();
}

/**
 * Students/Student.php header, for administrators only (includes/admin.php "Who sees
 * what"): whether the student has an ECK iD at this school, masked to its last 6
 * characters, or why there is none yet.
 */
function EckIdStudentHeader( $tag )
{
	$student_id = (int) UserStudentID();
	$school_id = (int) UserSchool();

	if ( ! $student_id || ! EckIdIsAdmin() || empty( EckIdAllSchoolSettings()[ $school_id ] ) )
	{
		return;
	}

	$rows = EckIdStudentRows( $student_id, $school_id );
	$pending = EckIdPendingRow( $student_id, $school_id );

	echo '<div class="eckid">';

	foreach ( $rows as $row )
	{
		echo '<b>' . _( 'ECK iD' ) . ':</b> <code>&hellip;' . htmlspecialchars( substr( $row['ECKID'], -6 ) )
			. '</code><br>';
	}

	if ( $pending )
	{
		echo '<b>' . _( 'No ECK iD yet' ) . ':</b> ' . htmlspecialchars( $pending['MESSAGE'] );
	}
	elseif ( ! $rows )
	{
		echo _( 'No ECK iD yet.' );
	}

	echo '</div>';
}
