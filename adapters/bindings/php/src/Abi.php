<?php
declare(strict_types=1);

namespace EckId;

use FFI;

/**
 * The C ABI loaded with PHP FFI: eckid.ffi.h over libeckid.so, one FFI instance per library
 * path and process. The struct versions mirror eckid.h's #defines (FFI has no preprocessor);
 * tests/adapters/check_declarations.py checks both against the header.
 */
final class Abi
{
    public const ABI_VERSION = 1;
    public const OPEN_OPTIONS_VERSION = 2;
    public const SCHOOL_SETTINGS_VERSION = 1;
    public const CONFIG_SOURCE_VERSION = 1;
    public const CHECK_REPORT_VERSION = 1;
    public const PUPIL_CREATED_EVENT_VERSION = 1;
    public const PUPIL_TRANSFERRED_EVENT_VERSION = 1;
    public const PGN_CHANGED_EVENT_VERSION = 1;
    public const QUEUE_INFO_VERSION = 1;
    public const ONBOARD_INFO_VERSION = 1;
    public const DELIVERY_SYNC = 0;
    public const DELIVERY_ASYNC = 1;
    public const PGN_PUPIL = 0; // eckid_pgn_kind: a BSN or an onderwijsnummer
    public const PGN_STAFF = 1; // the staff PGN form

    /** @var array<string, FFI> */
    private static array $loaded = [];
    private static ?FFI $first = null;

    /**
     * The FFI over a library, loaded once.
     *
     * @param string|null $library path of libeckid.so; null: the ECKID_LIBRARY environment
     *                             variable, else the dynamic loader's search path. Never a
     *                             copy beside this binding: under a web server that folder
     *                             is often inside the web root, where the library would be
     *                             downloadable.
     * @throws EckIdException E_VERSION when the library's ABI version is not ABI_VERSION
     * @throws FFI\Exception when the library cannot be loaded
     */
    public static function load(?string $library = null): FFI
    {
        $library ??= getenv('ECKID_LIBRARY') ?: null;
        $library ??= 'libeckid.so';
        if (!isset(self::$loaded[$library])) {
            $ffi = FFI::cdef(file_get_contents(__DIR__ . '/../eckid.ffi.h'), $library);
            if ($ffi->eckid_abi_version() !== self::ABI_VERSION) {
                throw new EckIdException(
                    "$library has ABI version {$ffi->eckid_abi_version()}, this binding expects "
                    . self::ABI_VERSION . ': install matching versions',
                    Status::E_VERSION
                );
            }
            self::$loaded[$library] = $ffi;
            self::$first ??= $ffi;
        }
        return self::$loaded[$library];
    }

    /**
     * The FFI a Plugin of this process loaded first, else load(null): for the calls that
     * need no handle (status names).
     *
     * @throws EckIdException|FFI\Exception as load()
     */
    public static function any(): FFI
    {
        return self::$first ?? self::load();
    }
}
