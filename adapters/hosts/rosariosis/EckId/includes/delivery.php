<?php
/**
 * EckId delivery run (deliver.php, scheduled with cron): requests the ECK iDs of students
 * still without one (EckIdFindTransfers() for students who moved, then EckIdBackfill()), then keeps the plugin open while its
 * workers deliver the queued events, recording each result as it comes (EckIdDeliverResults()).
 * The plugin's workers run only while a process has it open: without this run, events queued
 * while the Nummervoorziening was down wait for the next page load.
 *
 * @package EckId
 */

require_once __DIR__ . '/settings.php';
require_once __DIR__ . '/store.php';
require_once __DIR__ . '/backfill.php';
require_once __DIR__ . '/forget.php';

/** How many students wait for the Nummervoorziening (queued pending rows), all schools. */
function EckIdQueuedCount()
{
	return (int) DBGetOne( "SELECT COUNT(*) FROM eckid_pending WHERE STATUS='queued'" );
}

/**
 * One delivery run for the school year UserSyear().
 *
 * @param int $wait_seconds How long to wait for queued events at most (the run ends sooner
 *                          when none is left).
 * @return array [ 'requested' => int, 'recorded' => int, 'waiting' => int,
 *                 'problems' => list<string> (school ID: message, never a PGN) ]
 */
function EckIdDeliveryRun( $wait_seconds )
{
	$report = [ 'requested' => 0, 'recorded' => 0, 'waiting' => 0, 'problems' => [] ];

	EckIdRetryForgets(); // Deleted students first: nothing of theirs is requested again.

	// Moves first (enrolments written outside a page, e.g. by an import): a moved student is
	// a transfer, which keeps the ECK iD in the sector, not a new pupil for the backfill.
	$report['requested'] += EckIdFindTransfers();

	foreach ( EckIdAllSchoolSettings() as $school_id => $settings )
	{
		if ( $settings['ECKID_ENABLED'] !== 'Y' )
		{
			continue;
		}

		try
		{
			$report['requested'] += EckIdBackfill( $school_id, true )['requested'];
		}
		catch ( EckId\EckIdException $e )
		{
			if ( $e->status() !== EckId\Status::E_NOT_ENABLED ) // Before its start date: later.
			{
				$report['problems'][] = sprintf( _( 'school %d: %s' ), $school_id, $e->getMessage() );
			}
		}
	}

	$until = microtime( true ) + max( 0, (int) $wait_seconds );

	while ( true )
	{
		$report['recorded'] += EckIdDeliverResults();
		$report['waiting'] = EckIdQueuedCount();

		if ( ! $report['waiting'] || microtime( true ) >= $until )
		{
			break;
		}

		usleep( 500000 );
	}

	return $report;
}
