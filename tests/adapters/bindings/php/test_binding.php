<?php
/**
 * The PHP binding against nv-emulator, run by with_emulator.py (ECKID_LIBRARY, ECKID_TEST_*):
 * a plugin opened from a Source (the service file, a host's school and defaults), check()'s
 * findings, status names from the library, deliver() (poll -> write -> ack, no ack when the
 * write throws) and transferOrCreate(). Expected ECK iDs are derived here from the published
 * HPgn vectors and the emulator's documented HMAC derivation (tests/emulator/README.md), status
 * names from eckid.h's documentation of eckid_status_name(). Prints "N passed, N failed".
 */
declare(strict_types=1);

// ECKID_PHP_BINDING: an installed binding (tests/packages: php-eckid); else the source tree's.
define('BINDING',
    getenv('ECKID_PHP_BINDING') ?: dirname(__DIR__, 4) . '/adapters/bindings/php/eckid.php');
require BINDING;

use EckId\{Abi, EckIdException, Finding, Plugin, Result, Source, Status};

$fixture = json_decode(file_get_contents(getenv('ECKID_TEST_FIXTURE')), true);
[$p0, $p1, $p2] = $fixture['pupils'];
$passed = $failed = 0;

function check(bool $ok, string $what): void
{
    global $passed, $failed;
    $ok ? $passed++ : $failed++;
    echo ($ok ? 'ok   ' : 'FAIL ') . $what . "\n";
}

function expected_eckid(string $hpgn, string $sector): string
{
    global $fixture;
    $mac = fn(string $m): string => hash_hmac('sha512', $m, $fixture['secret']);
    $stamp = 'https://ketenid.nl/sppilot/' . $mac('stampseudonym|' . $hpgn);
    return 'https://ketenid.nl/pilot/' . $mac('eckid|' . $stamp . '|' . $fixture['chain'] . '|' . $sector);
}

/** The emulator's identity requests (one log line each). */
function identity_requests(): int
{
    return count(preg_grep('/ (retrieveStampseudonym|retrieveEckId|replaceStampseudonym) /',
        file(getenv('ECKID_TEST_REQUESTS'))));
}

function school(string $key, string $oin, string $sector, bool $enabled = true): array
{
    global $fixture;
    return ['key' => $key, 'oin' => $oin, 'sector' => $sector, 'chains' => [$fixture['chain']],
        'enabled' => $enabled, 'start_date' => '2025-08-01'];
}

$service = getenv('ECKID_TEST_SERVICE');
$schools = [school('A1', '00000001000000000011', $fixture['sector']),
    school('A2', '00000001000000000012', $fixture['sector'])];

// Status names: the library's table (eckid.h eckid_status_name), the numbers the header's.
check([Status::name(Status::E_INVALID_PGN), Status::name(Status::QUEUED), Status::name(Status::OK),
        Status::name(99)] === ['invalid_pgn', 'queued', 'ok', 'unknown'],
    'status names come from eckid_status_name');
$unloaded = shell_exec('ECKID_LIBRARY=/nonexistent/libeckid.so BINDING='
    . escapeshellarg(BINDING) . ' '
    . escapeshellarg(PHP_BINARY) . ' -d ffi.enable=true -r '
    . escapeshellarg('require getenv("BINDING"); echo EckId\\Status::name(EckId\\Status::E_CONFIG);') . ' 2>&1');
check($unloaded === 'config', 'status names without a loadable library: the same names, no exception');

// check(): every problem of the host's settings with its key, file and message; the good
// schools listed; the host defaults read (a wrong type there is a finding of "host defaults").
$report = Plugin::check(new Source($service, [school('A1', '00000001000000000011', $fixture['sector']),
    school('B1', 'short', 'not a sector id')], "[outbox]\nshutdown_wait_ms = \"soon\"\n"));
$fails = array_filter($report->findings, fn(Finding $f) => $f->verdict === Finding::FAIL);
$where = array_map(fn(Finding $f) => [$f->file, $f->key], array_values($fails));
check(in_array(['host settings', 'school[1].oin'], $where, true)
        && in_array(['host settings', 'school[1].sector'], $where, true)
        && in_array(['host defaults', 'outbox.shutdown_wait_ms'], $where, true)
        && $report->failures === count($fails) && !$report->ok()
        && !in_array('', array_map(fn(Finding $f) => $f->message, $fails), true),
    'check: the wrong OIN, sector and default each reported with file, key and message');
check(array_column($report->schools, 'key') === ['A1'] && $report->schools[0]['chains'] === [$fixture['chain']]
        && $report->schools[0]['enabled'] && $report->schools[0]['start_date'] === '2025-08-01'
        && $report->schools[0]['active'],
    'check: the school that reads well is listed with its settings');
$good = Plugin::check(new Source($service, $schools, "[outbox]\nshutdown_wait_ms = 1000\n"));
check($good->ok() && array_column($good->schools, 'key') === ['A1', 'A2']
        && in_array('certificate', array_map(fn(Finding $f) => $f->check, $good->findings), true),
    'check: a good configuration has no failure, checks the certificate and lists both schools');
try {
    new Plugin(new Source($service, [school('B1', 'short', $fixture['sector'])]));
    check(false, 'open: a wrong host school is refused');
} catch (EckIdException $e) {
    check($e->status() === Status::E_CONFIG && str_contains($e->getMessage(), "host settings: [[school]] 'B1' oin")
            && $e->statusName() === 'config',
        'open: a wrong host school is E_CONFIG naming its key');
}

// Opened from a Source: the host's school requests the expected ECK iD.
$plugin = new Plugin(new Source($service, $schools, "[outbox]\nshutdown_wait_ms = 1000\n"));
$created = $plugin->pupilCreated('A1', 'p0', $p0['pgn'], '2026-08-20');
$kept = expected_eckid($p0['hpgn'], $fixture['sector']);
check($created->ok() && $created->eckids === [$fixture['chain'] => $kept], 'open from a Source: the expected ECK iD');

// transferOrCreate: from a school of the configuration a transfer (same sector: the ECK iD is
// kept without an identity request); without one, or from a school of another configuration,
// the pupil is created at the new school.
$before = identity_requests();
$moved = $plugin->transferOrCreate('p0', 'A1', 'A2', $p0['pgn'], '2026-10-01');
check($moved->eckids === [$fixture['chain'] => $kept] && $moved->schoolKey === 'A2'
        && identity_requests() === $before,
    'transferOrCreate from a school of the configuration: a transfer, the ECK iD kept, no request');
$new = $plugin->transferOrCreate('p1', null, 'A2', $p1['pgn'], '2026-10-01');
$other = $plugin->transferOrCreate('p2', 'ELSEWHERE', 'A2', $p2['pgn'], '2026-10-01');
check($new->eckid() === expected_eckid($p1['hpgn'], $fixture['sector'])
        && $other->eckid() === expected_eckid($p2['hpgn'], $fixture['sector'])
        && $plugin->lookup('A2', 'p2') !== null && identity_requests() > $before,
    'transferOrCreate without a from-school or from another configuration: created at the new school');
$plugin->close();

// deliver(): asynchronous events, their results written and acknowledged; a write that
// throws leaves its result unacknowledged, delivered again after a reopen (the pupil at a
// school of the other sector: its own ECK iD there).
$source = new Source($service, [...$schools, school('B3', '00000001000000000013', $fixture['other_sector'])]);
$async = new Plugin($source, null, Abi::DELIVERY_ASYNC);
$queued = $async->pupilCreated('B3', 'p1', $p1['pgn']);
check($queued->queued() && $queued->eventId > 0, 'asynchronous event: a queued Result');
$thrown = null;
$until = microtime(true) + 60;
while ($thrown === null && microtime(true) < $until) {
    try {
        $async->deliver(function (Result $r): void { throw new RuntimeException("host down for {$r->eventId}"); });
        usleep(100000);
    } catch (RuntimeException $e) {
        $thrown = $e;
    }
}
check($thrown !== null && $thrown->getMessage() === "host down for {$queued->eventId}"
        && $async->queueStatus()['undelivered'] === 1,
    'deliver: the write\'s exception goes on, the result stays unacknowledged');
$async->close();
$async = new Plugin($source, null, Abi::DELIVERY_ASYNC);
$written = [];
$count = 0;
$until = microtime(true) + 60;
while (!$written && microtime(true) < $until) {
    $count += $async->deliver(function (Result $r) use (&$written): void { $written[] = $r; });
    usleep(100000);
}
check($count === 1 && count($written) === 1 && $written[0]->eventId === $queued->eventId
        && $written[0]->pupilKey === 'p1' && $written[0]->eckid() === expected_eckid($p1['hpgn'], $fixture['other_sector']),
    'deliver after a reopen: the result comes again and is written');
check($async->queueStatus()['undelivered'] === 0 && $async->deliver(fn(Result $r) => null) === 0,
    'deliver: written results are acknowledged, nothing left');
$async->close();

echo "php binding: $passed passed, $failed failed\n";
exit($failed ? 1 : 0);
