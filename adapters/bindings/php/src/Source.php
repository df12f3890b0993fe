<?php
declare(strict_types=1);

namespace EckId;

use FFI;
use FFI\CData;

/**
 * Where a configuration comes from (eckid_config_source): the administrator's file (or its
 * TOML text), the host's own defaults and the schools the host keeps in its own settings.
 * The plugin reads and checks all of it (README "Configuration"); the host builds no TOML.
 */
final class Source
{
    /**
     * @param string      $path     the configuration file (the administrator's service file).
     *                              With $text set, only its name (in messages) and its folder
     *                              (relative paths, the default state folder) are used
     * @param list<array{key: string, oin: string, sector: string, chains: list<string>,
     *              enabled: bool, start_date?: string|null}> $schools the host's schools, added
     *                              after the file's [[school]] tables ("host settings" in
     *                              messages); start_date "YYYY-MM-DD", null or "" for none
     * @param string|null $defaults TOML whose values apply where the file sets none (the host's
     *                              own defaults, e.g. "[outbox]\ndeadline_ms = 5000\n"; "host
     *                              defaults" in messages)
     * @param string|null $text     the configuration's TOML text instead of reading $path
     */
    public function __construct(
        public readonly string $path,
        public readonly array $schools = [],
        public readonly ?string $defaults = null,
        public readonly ?string $text = null,
    ) {
    }

    /** The keys of the host's schools. @return list<string> */
    public function schoolKeys(): array
    {
        return array_map(fn(array $s): string => (string) $s['key'], $this->schools);
    }

    /**
     * The eckid_config_source for one call. Every string and array it points to is held in
     * $keep: the struct is valid while $keep is.
     */
    public function struct(FFI $ffi, array &$keep): CData
    {
        $source = $ffi->new('eckid_config_source');
        $source->version = Abi::CONFIG_SOURCE_VERSION;
        $source->path = self::text($ffi, $this->path, $keep);
        $source->text = $this->text === null ? null : self::text($ffi, $this->text, $keep);
        $source->defaults = $this->defaults === null ? null : self::text($ffi, $this->defaults, $keep);
        $count = count($this->schools);
        if ($count > 0) {
            $pointers = $ffi->new("const eckid_school_settings*[$count]");
            $keep[] = $pointers;
            foreach (array_values($this->schools) as $i => $s) {
                $school = $ffi->new('eckid_school_settings');
                $keep[] = $school;
                $school->version = Abi::SCHOOL_SETTINGS_VERSION;
                $school->key = self::text($ffi, (string) $s['key'], $keep);
                $school->oin = self::text($ffi, (string) $s['oin'], $keep);
                $school->sector = self::text($ffi, (string) $s['sector'], $keep);
                $chains = array_values($s['chains']);
                if ($chains) {
                    $list = $ffi->new('const char*[' . count($chains) . ']');
                    $keep[] = $list;
                    foreach ($chains as $c => $chain) {
                        $list[$c] = self::text($ffi, (string) $chain, $keep);
                    }
                    $school->chains = $ffi->cast('const char *const *', $list);
                }
                $school->chain_count = count($chains);
                $school->enabled = empty($s['enabled']) ? 0 : 1;
                $date = $s['start_date'] ?? null;
                $school->start_date = $date === null || $date === '' ? null : self::text($ffi, $date, $keep);
                $pointers[$i] = FFI::addr($school);
            }
            $source->schools = $ffi->cast('const eckid_school_settings *const *', $pointers);
        }
        $source->school_count = $count;
        $keep[] = $source;
        return $source;
    }

    /** A NUL-terminated copy of $s, held in $keep. */
    private static function text(FFI $ffi, string $s, array &$keep): CData
    {
        $buffer = $ffi->new('char[' . (strlen($s) + 1) . ']');
        FFI::memcpy($buffer, $s, strlen($s));
        $keep[] = $buffer;
        return $ffi->cast('const char*', $buffer);
    }
}
