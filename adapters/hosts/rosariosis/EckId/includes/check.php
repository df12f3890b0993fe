<?php
/**
 * EckId configuration check on the settings page: what the plugin finds wrong with the
 * current school's service file, certificate, salt and the settings of the schools that share
 * it (eckid_check through the binding's Plugin::check()), before any student is saved.
 *
 * @package EckId
 */

require_once __DIR__ . '/settings.php';
require_once __DIR__ . '/admin.php';

/**
 * The check of the configuration the current school would open with its settings $current
 * (saved or just posted), as HTML: each problem (failures, then warnings) with its file,
 * line and key and what to do; a note when there is none. The plugin's messages never hold a
 * PGN, salt, password or key. '' when the school names no service file.
 *
 * @param array $current The current school's settings (EckIdSettingDefaults() titles).
 */
function EckIdCheckBlock( $current )
{
	if ( $current['ECKID_CONFIG_PATH'] === '' )
	{
		return '';
	}

	$schools = EckIdAllSchoolSettings();
	$schools[ (int) UserSchool() ] = $current;
	ksort( $schools );

	try
	{
		$report = EckIdWithLibrary( function () use ( $current, $schools )
		{
			return EckId\Plugin::check( EckIdSource( $current['ECKID_CONFIG_PATH'], $schools ) );
		} );
	}
	catch ( EckId\EckIdException $e )
	{
		return ErrorMessage( [ htmlspecialchars( sprintf( _( 'The eckid configuration could not be checked: %s' ),
			$e->getMessage() ) ) ], 'warning' );
	}

	$lines = [ EckId\Finding::FAIL => [], EckId\Finding::WARN => [] ];

	foreach ( $report->problems() as $finding )
	{
		$lines[ $finding->verdict ][] = htmlspecialchars( (string) $finding );
	}

	$html = '<div class="eckid-check">';

	if ( $lines[ EckId\Finding::FAIL ] )
	{
		$html .= ErrorMessage( array_merge( [ htmlspecialchars( sprintf( _( 'The eckid configuration has %d problem(s): no ECK iD can be requested until they are fixed.' ),
			count( $lines[ EckId\Finding::FAIL ] ) ) ) ], $lines[ EckId\Finding::FAIL ] ) );
	}

	if ( $lines[ EckId\Finding::WARN ] )
	{
		$html .= ErrorMessage( $lines[ EckId\Finding::WARN ], 'warning' );
	}

	if ( $report->ok() && ! $lines[ EckId\Finding::WARN ] )
	{
		$html .= ErrorMessage( [ htmlspecialchars( sprintf( _( 'The eckid configuration was checked (service file, certificate, salt, %d school(s)): no problem found.' ),
			count( $report->schools ) ) ) ], 'note' );
	}

	return $html . '</div>';
}
