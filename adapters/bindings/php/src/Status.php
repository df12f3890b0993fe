<?php
declare(strict_types=1);

namespace EckId;

/**
 * The eckid_status values of eckid.h (fixed numbers, never reused; check_declarations.py keeps
 * them equal to the header's). Their names come from the library (name()).
 */
final class Status
{
    public const OK = 0;
    public const E_INVALID_ARGUMENT = 1;
    public const E_VERSION = 2;
    public const E_NOMEM = 3;
    public const E_CONFIG = 4;
    public const E_INVALID_PGN = 5;
    public const E_BUFFER_TOO_SMALL = 6;
    public const E_UNKNOWN_SCHOOL = 7;
    public const E_NOT_ENABLED = 8;
    public const E_CRYPTO = 9;
    public const E_INVALID_HANDLE = 10;
    public const E_INTERNAL = 11;
    public const E_SOAP_FAULT = 20;
    public const E_HTTP = 21;
    public const E_TIMEOUT = 22;
    public const E_TLS = 23;
    public const E_CONNECT = 24;
    public const E_NOT_AUTHORISED = 25;
    public const E_SERVICE_DOWN = 26;
    public const E_BAD_RESPONSE = 27;
    public const E_RESPONSE_TOO_LARGE = 28;
    public const E_CREDENTIALS = 29;
    public const E_PUPIL_CONFLICT = 30;
    public const E_NOT_FOUND = 31;
    public const E_STATE = 32;
    /** Not an error: the event is kept in the outbox; its result comes later. */
    public const QUEUED = 33;
    /** Another pupil key holds the same PGN in the sector (the message names it). */
    public const E_DUPLICATE_PGN = 34;

    /**
     * The stable name of a status from the library's own table (eckid_status_name): the
     * constant's name without its ECKID_E_ or ECKID_ prefix, lowercase ("invalid_pgn",
     * "queued"); "unknown" for a value the library does not know. Loads the library as
     * Abi::any(). Never throws: when the library cannot be loaded (the very error a host then
     * records), the same rule is applied to this class's constants.
     */
    public static function name(int $status): string
    {
        static $unloadable = false;
        if (!$unloadable) {
            try {
                return Abi::any()->eckid_status_name($status);
            } catch (\Throwable) {
                $unloadable = true;
            }
        }
        $name = array_search($status, (new \ReflectionClass(self::class))->getConstants(), true);
        return $name === false ? 'unknown' : strtolower(preg_replace('/^E_/', '', $name));
    }
}
