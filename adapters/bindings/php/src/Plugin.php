<?php
declare(strict_types=1);

namespace EckId;

use FFI;
use FFI\CData;

/**
 * One opened plugin configuration (an eckid_plugin handle). Methods throw EckIdException
 * with the plugin's status and message; neither ever contains a PGN. PGN copies this
 * binding makes for a call are zeroed after it.
 *
 * No log or result callback is installed: the plugin calls those from its own threads,
 * which PHP callbacks do not survive. Results that an event call did not return (it
 * returned a Result whose queued() is true) are collected with poll() and acknowledged with
 * ack(), e.g. at the next page load or from a cron job.
 */
final class Plugin
{
    private FFI $ffi;
    private ?CData $handle;
    private Source $source;
    /** @var list<string>|null the keys of the configuration's schools, once asked */
    private ?array $schoolKeys = null;

    /**
     * Opens libeckid on a configuration file (eckid_open) or on a Source: the administrator's
     * file plus the host's defaults and schools (eckid_open_source).
     *
     * @param string|Source $config   the plugin's TOML configuration file, or a Source
     * @param string|null   $library  path of libeckid.so, see Abi::load()
     * @param int           $delivery Abi::DELIVERY_SYNC (default: an event call waits up to
     *                                [outbox] deadline_ms for its result) or
     *                                Abi::DELIVERY_ASYNC (it returns a queued Result at once)
     * @throws EckIdException E_CONFIG (the first problem and how many more: check() lists
     *                        them all), E_CREDENTIALS, ... (eckid_open's statuses)
     */
    public function __construct(string|Source $config, ?string $library = null,
                                int $delivery = Abi::DELIVERY_SYNC)
    {
        $this->ffi = Abi::load($library);
        $this->source = $config instanceof Source ? $config : new Source($config);
        $options = $this->ffi->new('eckid_open_options');
        $this->expect($this->ffi->eckid_open_options_init(FFI::addr($options), Abi::OPEN_OPTIONS_VERSION));
        $options->delivery = $delivery;
        $handle = $this->ffi->new('eckid_plugin*');
        if ($config instanceof Source) {
            $keep = [];
            $source = $config->struct($this->ffi, $keep);
            $this->expect($this->ffi->eckid_open_source(FFI::addr($source), FFI::addr($options),
                FFI::addr($handle)));
        } else {
            $this->expect($this->ffi->eckid_open($config, FFI::addr($options), FFI::addr($handle)));
        }
        $this->handle = $handle;
    }

    /**
     * Checks a configuration without opening the plugin or calling the service (eckid_check):
     * every problem of it (file, line, key, what is expected), the client certificate (key
     * match, validity) and the salt, and its schools. For a settings page: a bad configuration
     * is a report with failures, not an exception. Thread-safe; reads the files it names.
     *
     * @param string|Source $config  a configuration file, or a Source
     * @param string|null   $library see Abi::load()
     * @throws EckIdException E_INVALID_ARGUMENT (a string over its limit), E_NOMEM
     */
    public static function check(string|Source $config, ?string $library = null): CheckReport
    {
        return self::checkWith(Abi::load($library), $config instanceof Source ? $config : new Source($config));
    }

    private static function checkWith(FFI $ffi, Source $config): CheckReport
    {
        $keep = [];
        $source = $config->struct($ffi, $keep);
        $out = $ffi->new('eckid_check_report*');
        $status = $ffi->eckid_check(FFI::addr($source), FFI::addr($out));
        if ($status !== Status::OK) {
            throw new EckIdException($ffi->eckid_last_error(), $status);
        }
        return CheckReport::take($ffi, $out);
    }

    public function __destruct()
    {
        $this->close();
    }

    /** Closes the handle (eckid_close); later calls throw E_INVALID_HANDLE. Idempotent. */
    public function close(): void
    {
        if ($this->handle !== null) {
            $this->ffi->eckid_close($this->handle);
            $this->handle = null;
        }
    }

    /** The library's version, "MAJOR.MINOR.PATCH". */
    public function version(): string
    {
        return $this->ffi->eckid_version();
    }

    /**
     * A pupil enrolled at a school (eckid_pupil_created).
     *
     * @param string      $pgn  BSN or onderwijsnummer; never kept, logged or put in a message;
     *                          for a staff member ($kind Abi::PGN_STAFF) the school's BRIN, one
     *                          space and the e-mail address
     * @param string|null $date enrolment date "YYYY-MM-DD", informational (an invalid date
     *                          is refused with E_INVALID_ARGUMENT)
     * @param int         $kind Abi::PGN_PUPIL or Abi::PGN_STAFF
     * @return Result the pupil's ECK iDs, or a queued() Result (eventId set, no ECK iDs) when
     *                the event is kept in the outbox and its result comes later (poll())
     * @throws EckIdException E_INVALID_PGN, E_NOT_ENABLED (refused, nothing kept),
     *                        E_PUPIL_CONFLICT, E_DUPLICATE_PGN, service statuses that are
     *                        not retried
     */
    public function pupilCreated(
        string $school,
        string $pupil,
        string $pgn,
        ?string $date = null,
        int $kind = Abi::PGN_PUPIL
    ): Result {
        $e = $this->ffi->new('eckid_pupil_created_event');
        $e->version = Abi::PUPIL_CREATED_EVENT_VERSION;
        $keep = [];
        $e->school_key = $this->text($school, $keep);
        $e->pupil_key = $this->text($pupil, $keep);
        $e->pgn = $this->text($pgn, $keep, $secret);
        $e->kind = $kind;
        $e->enrolment_date = $date === null ? null : $this->text($date, $keep);
        return $this->event('eckid_pupil_created', $e, [$secret]);
    }

    /**
     * A pupil moved from one school to another (eckid_pupil_transferred): same sector keeps
     * the ECK iD, another sector gets that sector's one. Returns the to-school's record.
     *
     * @throws EckIdException as pupilCreated()
     */
    public function pupilTransferred(
        string $pupil,
        string $fromSchool,
        string $toSchool,
        string $pgn,
        ?string $date = null,
        int $kind = Abi::PGN_PUPIL
    ): Result {
        $e = $this->ffi->new('eckid_pupil_transferred_event');
        $e->version = Abi::PUPIL_TRANSFERRED_EVENT_VERSION;
        $keep = [];
        $e->pupil_key = $this->text($pupil, $keep);
        $e->from_school_key = $this->text($fromSchool, $keep);
        $e->to_school_key = $this->text($toSchool, $keep);
        $e->pgn = $this->text($pgn, $keep, $secret);
        $e->kind = $kind;
        $e->date = $date === null ? null : $this->text($date, $keep);
        return $this->event('eckid_pupil_transferred', $e, [$secret]);
    }

    /**
     * A pupil's school became $toSchool: a transfer (pupilTransferred()) when $fromSchool is a
     * school of this configuration, so that the plugin keeps the ECK iD in the sector or gets
     * the new sector's one; else, when the pupil has no from-school here ($fromSchool null, or
     * a school of another configuration, whose records this plugin does not share), the pupil
     * is created at $toSchool (pupilCreated(), $date as the enrolment date).
     *
     * @throws EckIdException as pupilCreated()
     */
    public function transferOrCreate(
        string $pupil,
        ?string $fromSchool,
        string $toSchool,
        string $pgn,
        ?string $date = null,
        int $kind = Abi::PGN_PUPIL
    ): Result {
        if ($fromSchool !== null && $fromSchool !== $toSchool && $this->hasSchool($fromSchool)) {
            return $this->pupilTransferred($pupil, $fromSchool, $toSchool, $pgn, $date, $kind);
        }
        return $this->pupilCreated($toSchool, $pupil, $pgn, $date, $kind);
    }

    /**
     * Whether a school key is one of this configuration's schools: the host's (Source) or,
     * failing that, the file's own [[school]] tables (read once with check()).
     */
    public function hasSchool(string $school): bool
    {
        if (in_array($school, $this->source->schoolKeys(), true)) {
            return true;
        }
        $this->schoolKeys ??= array_column(self::checkWith($this->ffi, $this->source)->schools, 'key');
        return in_array($school, $this->schoolKeys, true);
    }

    /**
     * Hands every finished result that no event call returned to the host (poll() until
     * nothing is left) and acknowledges each (ack()) only after $write returned: a result
     * $write threw on is not acknowledged and comes again after a reopen (the exception goes
     * on to the caller, results after it wait for the next deliver()). A result may be ok(),
     * still queued() (a retry is under way) or failed (status and message).
     *
     * @param callable(Result): void $write records one result in the host
     * @return int how many results were written and acknowledged
     * @throws EckIdException E_STATE, ...; whatever $write throws
     */
    public function deliver(callable $write): int
    {
        $count = 0;
        while (($result = $this->poll()) !== null) {
            $write($result);
            $this->ack($result->eventId);
            $count++;
        }
        return $count;
    }

    /**
     * The pupil's PGN changed (eckid_pgn_changed); the ECK iD stays.
     *
     * @param string|null $effectiveDate null (now), "YYYY-MM-DD" or an xsd:dateTime
     * @throws EckIdException as pupilCreated()
     */
    public function pgnChanged(
        string $school,
        string $pupil,
        string $oldPgn,
        string $newPgn,
        ?string $effectiveDate = null,
        int $kind = Abi::PGN_PUPIL
    ): Result {
        $e = $this->ffi->new('eckid_pgn_changed_event');
        $e->version = Abi::PGN_CHANGED_EVENT_VERSION;
        $keep = [];
        $e->school_key = $this->text($school, $keep);
        $e->pupil_key = $this->text($pupil, $keep);
        $e->old_pgn = $this->text($oldPgn, $keep, $old);
        $e->new_pgn = $this->text($newPgn, $keep, $new);
        $e->kind = $kind;
        $e->effective_date = $effectiveDate === null ? null : $this->text($effectiveDate, $keep);
        return $this->event('eckid_pgn_changed', $e, [$old, $new]);
    }

    /**
     * The recorded ECK iDs of a pupil at a school (eckid_pupil_lookup), without a service call.
     *
     * @return Result|null null when none is recorded (E_NOT_FOUND)
     * @throws EckIdException E_UNKNOWN_SCHOOL, E_STATE, ...
     */
    public function lookup(string $school, string $pupil): ?Result
    {
        $out = $this->ffi->new('eckid_result*');
        $status = $this->ffi->eckid_pupil_lookup($this->handle(), $school, $pupil, FFI::addr($out));
        if ($status === Status::E_NOT_FOUND) {
            return null;
        }
        $this->expect($status);
        return $this->take($out);
    }

    /**
     * Forgets a pupil at a school (eckid_forget_pupil): the plugin's record (HPgn, ECK iDs),
     * the pupil's queued, failed and undelivered events for that school and its onboarding
     * data are deleted; records at other schools stay. Call it when the host deletes the
     * pupil, so that a new pupil who reuses the id never gets the old ECK iD. Nothing
     * recorded is not an error.
     *
     * @throws EckIdException E_UNKNOWN_SCHOOL, E_INVALID_ARGUMENT, E_STATE, ...
     */
    public function forgetPupil(string $school, string $pupil): void
    {
        $this->expect($this->ffi->eckid_forget_pupil($this->handle(), $school, $pupil));
    }

    /**
     * The next finished result that no event call returned (eckid_poll), oldest first; each
     * is handed out once per Plugin until the process restarts. Acknowledge it with ack()
     * once it is written into the host: unacknowledged results come again after a reopen.
     *
     * @return Result|null null when nothing is waiting; else ok(), or failed with status
     *                     and message
     * @throws EckIdException E_STATE, ...
     */
    public function poll(): ?Result
    {
        $out = $this->ffi->new('eckid_result*');
        $status = $this->ffi->eckid_poll($this->handle(), FFI::addr($out));
        if ($status === Status::E_NOT_FOUND) {
            return null;
        }
        $this->expect($status);
        return $this->take($out);
    }

    /**
     * Acknowledges a delivered result (eckid_ack): it is not delivered again.
     *
     * @return bool false when no finished event has this id (already acknowledged)
     * @throws EckIdException E_STATE, ...
     */
    public function ack(int $eventId): bool
    {
        $status = $this->ffi->eckid_ack($this->handle(), $eventId);
        if ($status === Status::E_NOT_FOUND) {
            return false;
        }
        $this->expect($status);
        return true;
    }

    /**
     * The current state of one event (eckid_event_result): queued() while it waits or runs,
     * else its outcome.
     *
     * @return Result|null null when the event is unknown or done and acknowledged
     * @throws EckIdException E_STATE, ...
     */
    public function eventResult(int $eventId): ?Result
    {
        $out = $this->ffi->new('eckid_result*');
        $status = $this->ffi->eckid_event_result($this->handle(), $eventId, FFI::addr($out));
        if ($status === Status::E_NOT_FOUND) {
            return null;
        }
        $this->expect($status);
        return $this->take($out);
    }

    /**
     * The outbox at a glance (eckid_queue_status).
     *
     * due: of the queued, those that may be worked on now or are in progress (0 while queued
     * is not: everything waits for later); next_due_in_ms: ms until the next waiting one is
     * due, -1 when none has a known time.
     *
     * @return array{queued: int, failed: int, undelivered: int, oldest_queued_age_ms: int,
     *               service_paused: bool, due: int, next_due_in_ms: int}
     * @throws EckIdException E_STATE, ...
     */
    public function queueStatus(): array
    {
        $info = $this->ffi->new('eckid_queue_info');
        $info->version = Abi::QUEUE_INFO_VERSION;
        $this->expect($this->ffi->eckid_queue_status($this->handle(), FFI::addr($info)));
        return [
            'queued' => $info->queued,
            'failed' => $info->failed,
            'undelivered' => $info->undelivered,
            'oldest_queued_age_ms' => $info->oldest_queued_age_ms,
            'service_paused' => $info->service_paused !== 0,
            'due' => $info->due,
            'next_due_in_ms' => $info->next_due_in_ms,
        ];
    }

    /**
     * Puts failed events back in the queue once the cause is fixed (eckid_retry_failed).
     *
     * @param int $eventId one event, or 0 for all failed events
     * @return int how many were put back
     * @throws EckIdException E_NOT_FOUND (no failed event with this id), E_STATE, ...
     */
    public function retryFailed(int $eventId = 0): int
    {
        $count = $this->ffi->new('unsigned long long');
        $this->expect($this->ffi->eckid_retry_failed($this->handle(), $eventId, FFI::addr($count)));
        return $count->cdata;
    }

    /**
     * A school's whole pupil list at once, with the service's batch operations
     * (eckid_onboard): for each pupil an outbox event whose Result - the ECK iDs or the
     * service's message for that pupil - comes through poll(), then ack(). Calling again with
     * the same list is safe: queued pupils keep their event, failed ones are tried again,
     * recorded ones are not sent again.
     *
     * @param iterable<array{0: string, 1: string, 2: int}> $pupils [pupil key, PGN, kind]
     *        rows; kind Abi::PGN_PUPIL or Abi::PGN_STAFF. PGNs are never kept, logged or put
     *        in a message; this binding's copies are zeroed after the call
     * @return list<OnboardReceipt> one per pupil, in input order; a refused pupil is a
     *         receipt (eventId 0), not an exception
     * @throws EckIdException nothing queued: E_UNKNOWN_SCHOOL, E_NOT_ENABLED, E_STATE, ...
     */
    public function onboard(string $school, iterable $pupils): array
    {
        $rows = is_array($pupils) ? array_values($pupils) : iterator_to_array($pupils, false);
        $size = max(count($rows), 1);
        $list = $this->ffi->new("eckid_onboard_pupil[$size]");
        $pointers = $this->ffi->new("const eckid_onboard_pupil*[$size]");
        $keep = $secrets = [];
        foreach ($rows as $i => [$pupil, $pgn, $kind]) {
            $list[$i]->version = Abi::ONBOARD_PUPIL_VERSION;
            $list[$i]->pupil_key = $this->text($pupil, $keep);
            $list[$i]->pgn = $this->text($pgn, $keep, $secret);
            $list[$i]->kind = $kind;
            $pointers[$i] = FFI::addr($list[$i]);
            $secrets[] = $secret;
        }
        $out = $this->ffi->new('eckid_onboard_receipts*');
        try {
            $status = $this->ffi->eckid_onboard($this->handle(), $school,
                $this->ffi->cast('const eckid_onboard_pupil *const *', $pointers), count($rows),
                FFI::addr($out));
        } finally {
            foreach ($secrets as $s) {
                FFI::memset($s, 0, FFI::sizeof($s));
            }
        }
        $this->expect($status);
        $receipts = [];
        for ($i = 0; $i < $out[0]->count; $i++) {
            $r = $out[0]->receipts[$i][0];
            $receipts[] = new OnboardReceipt($rows[$i][0], $r->event_id, $r->status,
                $r->message === null ? '' : FFI::string($r->message));
        }
        $this->ffi->eckid_free($out);
        return $receipts;
    }

    /**
     * Onboarding progress of a school (eckid_onboard_status): pupils not yet finished, by
     * stage; finished ones are in queueStatus().
     *
     * @return array{waiting: int, hashed: int, in_batch: int, deferred: int,
     *               deferred_until_ms: int} deferred_until_ms: Unix time in ms the deferred
     *               ones are tried again, 0 if none
     * @throws EckIdException E_UNKNOWN_SCHOOL, E_STATE, ...
     */
    public function onboardStatus(string $school): array
    {
        $info = $this->ffi->new('eckid_onboard_info');
        $info->version = Abi::ONBOARD_INFO_VERSION;
        $this->expect($this->ffi->eckid_onboard_status($this->handle(), $school, FFI::addr($info)));
        return [
            'waiting' => $info->waiting,
            'hashed' => $info->hashed,
            'in_batch' => $info->in_batch,
            'deferred' => $info->deferred,
            'deferred_until_ms' => $info->deferred_until_ms,
        ];
    }

    /**
     * Checks that the service accepts this client for a school (eckid_ping).
     *
     * @return string the service's application version
     * @throws EckIdException E_NOT_AUTHORISED, E_SERVICE_DOWN, E_CONNECT, ...
     */
    public function ping(string $school): string
    {
        $version = $this->ffi->new('char*');
        $this->expect($this->ffi->eckid_ping($this->handle(), $school, FFI::addr($version)));
        $text = FFI::string($version);
        $this->ffi->eckid_free($version);
        return $text;
    }

    /**
     * Whether a PGN is a valid pupil PGN (BSN or onderwijsnummer), without a handle.
     */
    public function isValidPgn(string $pgn): bool
    {
        return $this->ffi->eckid_pgn_validate($pgn, 0, null) === Status::OK;
    }

    /**
     * Runs an event function and converts its result (ECKID_QUEUED included); zeroes the PGN
     * copies afterwards. A failed event's result is freed before the exception.
     */
    private function event(string $function, CData $event, array $secrets): Result
    {
        $out = $this->ffi->new('eckid_result*');
        try {
            $status = $this->ffi->$function($this->handle(), FFI::addr($event), FFI::addr($out));
        } finally {
            foreach ($secrets as $s) {
                FFI::memset($s, 0, FFI::sizeof($s));
            }
        }
        if ($status !== Status::OK && $status !== Status::QUEUED) {
            $message = $this->ffi->eckid_last_error();
            if (!FFI::isNull($out)) {
                $this->ffi->eckid_free($out);
            }
            throw new EckIdException($message, $status);
        }
        return $this->take($out);
    }

    /** Copies an eckid_result into a Result and frees it. */
    private function take(CData $out): Result
    {
        $r = $out[0];
        $eckids = [];
        for ($i = 0; $i < $r->count; $i++) {
            $e = $r->eckids[$i][0];
            $eckids[FFI::string($e->chain)] = FFI::string($e->eckid);
        }
        $result = new Result(FFI::string($r->school_key), FFI::string($r->pupil_key),
            FFI::string($r->sector), $eckids, $r->event_id, $r->status,
            $r->message === null ? '' : FFI::string($r->message));
        $this->ffi->eckid_free($out);
        return $result;
    }

    /**
     * A NUL-terminated copy of a string for a struct field, kept alive in $keep for the call.
     *
     * @param CData|null $buffer receives the char array (to zero it afterwards)
     */
    private function text(string $s, array &$keep, ?CData &$buffer = null): CData
    {
        $buffer = $this->ffi->new('char[' . (strlen($s) + 1) . ']');
        FFI::memcpy($buffer, $s, strlen($s));
        $keep[] = $buffer;
        return $this->ffi->cast('const char*', $buffer);
    }

    private function handle(): CData
    {
        if ($this->handle === null) {
            throw new EckIdException('the plugin handle is closed', Status::E_INVALID_HANDLE);
        }
        return $this->handle;
    }

    /** Throws the plugin's last error for a status other than OK. */
    private function expect(int $status): void
    {
        if ($status !== Status::OK) {
            throw new EckIdException($this->ffi->eckid_last_error(), $status);
        }
    }
}
