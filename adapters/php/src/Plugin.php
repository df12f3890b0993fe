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
 * No log callback is installed: the plugin may log from its own threads, which PHP
 * callbacks do not survive. Use eckid's own diagnostics (eckid_last_error) instead.
 */
final class Plugin
{
    private FFI $ffi;
    private ?CData $handle;

    /**
     * Opens libeckid on a configuration file (eckid_open).
     *
     * @param string      $configPath the plugin's TOML configuration
     * @param string|null $library    path of libeckid.so, see Abi::load()
     * @throws EckIdException E_CONFIG, E_CREDENTIALS, ... (eckid_open's statuses)
     */
    public function __construct(string $configPath, ?string $library = null)
    {
        $this->ffi = Abi::load($library);
        $handle = $this->ffi->new('eckid_plugin*');
        $this->check($this->ffi->eckid_open(FFI::addr($handle), $configPath, null));
        $this->handle = $handle;
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
     * @param string      $pgn  BSN or onderwijsnummer; never kept, logged or put in a message
     * @param string|null $date enrolment date "YYYY-MM-DD", informational
     * @throws EckIdException E_INVALID_PGN, E_NOT_ENABLED, E_PUPIL_CONFLICT, service statuses
     */
    public function pupilCreated(string $school, string $pupil, string $pgn, ?string $date = null): Result
    {
        $e = $this->ffi->new('eckid_pupil_created_event');
        $e->version = Abi::PUPIL_CREATED_EVENT_VERSION;
        $keep = [];
        $e->school_key = $this->text($school, $keep);
        $e->pupil_key = $this->text($pupil, $keep);
        $e->pgn = $this->text($pgn, $keep, $secret);
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
        ?string $date = null
    ): Result {
        $e = $this->ffi->new('eckid_pupil_transferred_event');
        $e->version = Abi::PUPIL_TRANSFERRED_EVENT_VERSION;
        $keep = [];
        $e->pupil_key = $this->text($pupil, $keep);
        $e->from_school_key = $this->text($fromSchool, $keep);
        $e->to_school_key = $this->text($toSchool, $keep);
        $e->pgn = $this->text($pgn, $keep, $secret);
        $e->date = $date === null ? null : $this->text($date, $keep);
        return $this->event('eckid_pupil_transferred', $e, [$secret]);
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
        ?string $effectiveDate = null
    ): Result {
        $e = $this->ffi->new('eckid_pgn_changed_event');
        $e->version = Abi::PGN_CHANGED_EVENT_VERSION;
        $keep = [];
        $e->school_key = $this->text($school, $keep);
        $e->pupil_key = $this->text($pupil, $keep);
        $e->old_pgn = $this->text($oldPgn, $keep, $old);
        $e->new_pgn = $this->text($newPgn, $keep, $new);
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
        $this->check($status);
        return $this->take($out);
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
        $this->check($this->ffi->eckid_ping($this->handle(), $school, FFI::addr($version)));
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

    /** Runs an event function and converts its result; zeroes the PGN copies afterwards. */
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
        $this->check($status);
        return $this->take($out);
    }

    /** Copies an eckid_result into a Result and frees it. */
    private function take(CData $out): Result
    {
        $r = $out[0];
        $eckids = [];
        for ($i = 0; $i < $r->count; $i++) {
            $eckids[FFI::string($r->eckids[$i]->chain)] = FFI::string($r->eckids[$i]->eckid);
        }
        $result = new Result(FFI::string($r->school_key), FFI::string($r->pupil_key),
            FFI::string($r->sector), $eckids);
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
    private function check(int $status): void
    {
        if ($status !== Status::OK) {
            throw new EckIdException($this->ffi->eckid_last_error(), $status);
        }
    }
}
