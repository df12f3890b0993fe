<?php
declare(strict_types=1);

namespace EckId;

/** One finding of Plugin::check() (a copy of eckid_check_finding). */
final class Finding
{
    public const OK = 0;   // ECKID_VERDICT_OK
    public const WARN = 1; // ECKID_VERDICT_WARN: works, but needs attention
    public const FAIL = 2; // ECKID_VERDICT_FAIL: the plugin will not open, or the service will refuse it

    /** $file of a finding about a school the host passed in its Source (eckid_school_settings). */
    public const HOST_SETTINGS = 'host settings';

    /**
     * @param int    $verdict self::OK, self::WARN or self::FAIL
     * @param string $check   what was checked: "config", "certificate", "certificate key",
     *                        "certificate validity", "salt", "salt environment", "state"
     *                        or "state database"
     * @param string $file    the file it is about ("host settings", "host defaults"), or ""
     * @param int    $line    1-based line in $file, 0 when none
     * @param string $key     the configuration key as a TOML path ("school[0].oin"), or ""
     * @param string $message what was found and what to do; never a salt, password, key or PGN
     */
    public function __construct(
        public readonly int $verdict,
        public readonly string $check,
        public readonly string $file,
        public readonly int $line,
        public readonly string $key,
        public readonly string $message,
    ) {
    }

    /** "file:line: key: message", the parts that are set. */
    public function __toString(): string
    {
        $where = $this->file === '' ? '' : $this->file . ($this->line > 0 ? ":{$this->line}" : '') . ': ';
        return $where . ($this->key === '' ? '' : $this->key . ': ') . $this->message;
    }
}
