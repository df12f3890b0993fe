<?php
/**
 * EckId settings: per school and school year in program_config (program "eckid"), and the
 * plugin handles opened on them.
 *
 * @package EckId
 */

/** The settings' titles in program_config and their defaults. */
function EckIdSettingDefaults()
{
	return [
		'ECKID_ENABLED' => '',
		'ECKID_START_DATE' => '',
		'ECKID_OIN' => '',
		'ECKID_SECTOR' => '',
		'ECKID_CHAINS' => '', // One chain id per line.
		'ECKID_CONFIG_PATH' => '', // The eckid service file (README "Configuration").
		'ECKID_PGN_FIELD' => 'CUSTOM_200000003', // "Social Security" in a default install.
	];
}

/**
 * The settings of every school that has an eckid service file, this school year.
 *
 * @return array school_id => [title => value], defaults filled in
 */
function EckIdAllSchoolSettings()
{
	$rows = DBGet( DBQuery( "SELECT SCHOOL_ID,TITLE,VALUE FROM program_config
		WHERE PROGRAM='eckid' AND SYEAR='" . (int) UserSyear() . "'" ) );

	$schools = [];

	foreach ( (array) $rows as $row )
	{
		$schools[ (int) $row['SCHOOL_ID'] ][ $row['TITLE'] ] = (string) $row['VALUE'];
	}

	ksort( $schools );
	$oins = [];

	foreach ( $schools as $id => $settings )
	{
		$schools[ $id ] = array_merge( EckIdSettingDefaults(), $settings );
		$oin = $schools[ $id ]['ECKID_OIN'];

		// No OIN (a Copy School copy) or the OIN of a school before it: not configured, so
		// that no request goes out under another school's OIN.
		if ( $schools[ $id ]['ECKID_CONFIG_PATH'] === '' || $oin === '' || isset( $oins[ $oin ] ) )
		{
			unset( $schools[ $id ] );
			continue;
		}

		$oins[ $oin ] = $id;
	}

	return $schools;
}

/**
 * The configuration of a service file: the file the administrator keeps, plus every school
 * with eckid settings that names it (this school year) and the plugin's web defaults. The
 * plugin reads and checks it all (eckid_open_source, eckid_check): no TOML is written.
 *
 * @param string $service The service file (ECKID_CONFIG_PATH).
 * @param array  $schools EckIdAllSchoolSettings(), or those with the posted settings of a school.
 */
function EckIdSource( $service, $schools )
{
	$tables = [];

	foreach ( $schools as $id => $s )
	{
		if ( $s['ECKID_CONFIG_PATH'] !== $service )
		{
			continue;
		}

		$tables[] = [
			'key' => (string) $id,
			'oin' => $s['ECKID_OIN'],
			'sector' => $s['ECKID_SECTOR'],
			'chains' => preg_split( '/\s+/', trim( $s['ECKID_CHAINS'] ), -1, PREG_SPLIT_NO_EMPTY ),
			'enabled' => $s['ECKID_ENABLED'] === 'Y',
			'start_date' => $s['ECKID_START_DATE'],
		];
	}

	return new EckId\Source( $service, $tables, EckIdHostDefaults() );
}

/**
 * Runs a binding call that loads libeckid, turning "cannot load it" into an EckIdException.
 *
 * @throws EckId\EckIdException E_CONFIG when PHP FFI or libeckid.so is not usable
 *         (EckIdHostProblem()), else the call's own; never another exception.
 */
function EckIdWithLibrary( $call )
{
	$problem = EckIdHostProblem();

	if ( $problem !== '' )
	{
		throw new EckId\EckIdException( $problem, EckId\Status::E_CONFIG );
	}

	try
	{
		return $call();
	}
	catch ( EckId\EckIdException $e )
	{
		throw $e;
	}
	catch ( \Throwable $e )
	{
		// FFI\Exception (libeckid.so not loadable) or an Error: never a failed page.
		throw new EckId\EckIdException( sprintf( _( 'libeckid could not be loaded (%s): check "SetEnv ECKID_LIBRARY" and "php_admin_value ffi.enable true" in the site\'s Apache configuration (README "Install").' ),
			$e->getMessage() ), EckId\Status::E_CONFIG );
	}
}

/**
 * The plugin handle for a school: opened once per request on the configuration of the
 * school's service file (EckIdSource()).
 *
 * @param int $school_id RosarioSIS school ID.
 * @return EckId\Plugin|null Null when the school has no eckid settings.
 * @throws EckId\EckIdException E_CONFIG (also when PHP FFI or libeckid.so is not usable:
 *         EckIdWithLibrary()) and the other eckid_open statuses; never another exception.
 */
function EckIdPluginFor( $school_id )
{
	static $plugins = [];

	$schools = EckIdAllSchoolSettings();

	if ( empty( $schools[ $school_id ] ) )
	{
		return null;
	}

	$service = $schools[ $school_id ]['ECKID_CONFIG_PATH'];

	if ( ! isset( $plugins[ $service ] ) )
	{
		$plugins[ $service ] = EckIdWithLibrary( function () use ( $service, $schools )
		{
			return new EckId\Plugin( EckIdSource( $service, $schools ) );
		} );
	}

	return $plugins[ $service ];
}

/**
 * The plugin's defaults for RosarioSIS (TOML, eckid_config_source defaults), which apply where
 * the service file sets none: RosarioSIS makes its event calls from web requests (a student's
 * save), which must not hang. [outbox] deadline_ms 5000: a save waits at most 5 s for its ECK
 * iD (the normal path, an scrypt HPgn and two service calls, takes about 2 s on a busy
 * server), then the event is queued and recorded later (deliver.php, or a later page load);
 * shutdown_wait_ms 1000: the end of a request waits at most 1 s for an event still in progress
 * (it stays queued). An administrator may set either in the service file's [outbox].
 */
function EckIdHostDefaults()
{
	return "[outbox]\ndeadline_ms = 5000\nshutdown_wait_ms = 1000\n";
}

/**
 * Checks the current school's posted settings (unescaped values) before they are saved: the
 * school's own values (OIN, sector, chains, start date) by the plugin itself, as it will read
 * them (eckid_check through Plugin::check(), the findings about "host settings"); what only
 * RosarioSIS knows here: the service file readable by the web server, the PGN field a
 * students column, the OIN not another school's. Without a usable library (EckIdHostProblem(),
 * shown on the page) the plugin's part is skipped, so that the plugin can still be switched off.
 *
 * @return string[] The messages (plain text) of the wrong ones.
 */
function EckIdCheckSettings( $values )
{
	$wrong = [];

	if ( ! is_readable( $values['ECKID_CONFIG_PATH'] ) )
	{
		$wrong[] = _( 'The eckid service file cannot be read by the web server.' );
	}
	else
	{
		try
		{
			$report = EckIdWithLibrary( function () use ( $values )
			{
				return EckId\Plugin::check( EckIdSource( $values['ECKID_CONFIG_PATH'], [ UserSchool() => $values ] ) );
			} );

			foreach ( $report->problems() as $finding )
			{
				if ( $finding->verdict === EckId\Finding::FAIL && $finding->file === EckId\Finding::HOST_SETTINGS )
				{
					$wrong[] = $finding->message;
				}
			}
		}
		catch ( EckId\EckIdException $e )
		{
			// Not checked: the page names the library problem (EckIdHostProblem()).
		}
	}

	$field_problem = EckIdPgnFieldProblem( $values['ECKID_PGN_FIELD'] );

	if ( $field_problem !== '' )
	{
		$wrong[] = $field_problem;
	}

	$holder = $values['ECKID_OIN'] === '' ? 0 : EckIdOinHolder( $values['ECKID_OIN'], UserSchool() );

	if ( $holder )
	{
		$wrong[] = sprintf( _( 'School %d already has this OIN: each school requests ECK iDs under its own OIN.' ), $holder );
	}

	return $wrong;
}
