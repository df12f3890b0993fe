<?php
/**
 * EckId settings page (School > Configuration > Plugins > EckId): the current school's
 * settings for the current school year, saved in program_config (program "eckid").
 *
 * @package EckId
 */

require_once __DIR__ . '/includes/settings.php';
require_once __DIR__ . '/includes/admin.php';
require_once __DIR__ . '/includes/check.php';

if ( EckIdOnMySql() )
{
	echo ErrorMessage( [ htmlspecialchars( EckIdMySqlMessage() ) ] );

	return; // No tables, no settings: the plugin needs PostgreSQL (README "Requirements").
}

$eckid_current = array_merge( EckIdSettingDefaults(),
	array_map( function ( $rows ) { return $rows[1]['VALUE']; }, (array) ProgramConfig( 'eckid' ) ) );

if ( ! empty( $_REQUEST['save'] ) && AllowEdit() )
{
	$eckid_posted = [];

	foreach ( EckIdSettingDefaults() as $title => $default )
	{
		// Warehouse.php has escaped $_REQUEST for SQL (DBEscapeString): the value as typed.
		$eckid_posted[ $title ] = trim( DBUnescapeString( (string) ( $_REQUEST['values'][ $title ] ?? '' ) ) );
	}

	$eckid_posted['ECKID_ENABLED'] = $eckid_posted['ECKID_ENABLED'] === 'Y' ? 'Y' : '';
	$eckid_wrong = EckIdCheckSettings( $eckid_posted );

	if ( $eckid_wrong )
	{
		// Plain text (a message names "<uuid>"): ErrorMessage() prints HTML.
		$error = array_merge( (array) $error, array_map( 'htmlspecialchars', $eckid_wrong ) );
	}
	else
	{
		foreach ( $eckid_posted as $title => $value )
		{
			DBQuery( "DELETE FROM program_config WHERE PROGRAM='eckid' AND TITLE='" . $title . "'
				AND SCHOOL_ID='" . (int) UserSchool() . "' AND SYEAR='" . (int) UserSyear() . "'" );
			DBQuery( "INSERT INTO program_config (SYEAR,SCHOOL_ID,PROGRAM,TITLE,VALUE)
				VALUES('" . (int) UserSyear() . "','" . (int) UserSchool() . "','eckid','" . $title . "','"
				. DBEscapeString( $value ) . "')" );
		}

		$note[] = htmlspecialchars( _( 'The ECK iD settings were saved.' ) );
	}

	$eckid_current = array_merge( $eckid_current, $eckid_posted );
}

$eckid_problem = EckIdHostProblem();

echo ErrorMessage( (array) $error ) . ErrorMessage( (array) $note, 'note' )
	. ( $eckid_problem === '' ? '' : ErrorMessage( [ htmlspecialchars( $eckid_problem ) ], 'warning' ) )
	. ( $eckid_problem === '' ? EckIdCheckBlock( $eckid_current ) : '' ); // The plugin's own check.

$eckid_labels = [
	'ECKID_ENABLED' => _( 'Request ECK iDs for this school' ),
	'ECKID_START_DATE' => _( 'From (YYYY-MM-DD, empty: at once)' ),
	'ECKID_OIN' => _( 'School OIN (20 characters)' ),
	'ECKID_SECTOR' => _( 'Sector id' ),
	'ECKID_CHAINS' => _( 'Chain ids, one per line' ),
	'ECKID_CONFIG_PATH' => _( 'eckid service file (e.g. /etc/eckid/service.toml)' ),
	'ECKID_PGN_FIELD' => _( 'Student field with the BSN or onderwijsnummer' ),
];

echo '<form method="POST"><input type="hidden" name="save" value="1"><table class="widefat">';

foreach ( $eckid_labels as $title => $label )
{
	$name = 'values[' . $title . ']';
	$value = htmlspecialchars( $eckid_current[ $title ] );

	if ( $title === 'ECKID_ENABLED' )
	{
		$input = '<input type="checkbox" name="' . $name . '" value="Y"' . ( $value === 'Y' ? ' checked' : '' ) . '>';
	}
	elseif ( $title === 'ECKID_CHAINS' )
	{
		$input = '<textarea name="' . $name . '" rows="2" cols="70">' . $value . '</textarea>';
	}
	else
	{
		$input = '<input type="text" name="' . $name . '" value="' . $value . '" size="70">';
	}

	echo '<tr><td>' . $label . '</td><td>' . $input . '</td></tr>';
}

echo '</table>' . ( AllowEdit() ? '<input type="submit" value="' . _( 'Save' ) . '">' : '' ) . '</form>';

require_once __DIR__ . '/includes/backfill.php'; EckIdBackfillBlock(); // "Request missing ECK iDs".
