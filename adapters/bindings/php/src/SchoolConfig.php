<?php
declare(strict_types=1);

namespace EckId;

/**
 * The plugin configuration for a host that keeps its per-school settings itself: the
 * administrator's service file ([service], optional [hash] and [state]; no [[school]])
 * plus one [[school]] table per school from the host's settings, written beside it.
 */
final class SchoolConfig
{
    /**
     * Writes "<service file without .toml>.schools.toml" beside the service file (relative
     * paths in it keep resolving), atomically and only when its content changes.
     *
     * @param array<int, array{key: string, oin: string, sector: string, chains: list<string>,
     *                  enabled: bool, start_date?: string|null}> $schools
     * @param array<string, int> $outbox [outbox] defaults the host chooses (e.g. a web-suited
     *                  'deadline_ms'); the service file's own values of those keys win
     * @return string the path of the written configuration
     * @throws EckIdException E_CONFIG for an unreadable service file or a malformed setting
     */
    public static function write(string $serviceFile, array $schools, array $outbox = []): string
    {
        $base = @file_get_contents($serviceFile);
        if ($base === false) {
            throw new EckIdException("cannot read the eckid service file $serviceFile: check the "
                . 'path in the settings and that the web server may read it', Status::E_CONFIG);
        }
        $text = self::withOutbox(rtrim($base) . "\n", $outbox);
        foreach ($schools as $s) {
            $text .= "\n[[school]]\nkey = " . self::quote($s['key']) . "\noin = " . self::quote($s['oin'])
                . "\nsector = " . self::quote($s['sector']) . "\nchains = ["
                . implode(', ', array_map([self::class, 'quote'], $s['chains'])) . "]\nenabled = "
                . ($s['enabled'] ? 'true' : 'false') . "\n";
            $date = $s['start_date'] ?? null;
            if ($date !== null && $date !== '') {
                if (preg_match('/^\d{4}-\d{2}-\d{2}$/', $date) !== 1) {
                    throw new EckIdException("school {$s['key']}: start date \"$date\" is not "
                        . 'YYYY-MM-DD', Status::E_CONFIG);
                }
                $text .= "start_date = $date\n";
            }
        }
        $path = preg_replace('/\.toml$/', '', $serviceFile) . '.schools.toml';
        if (@file_get_contents($path) !== $text) {
            $tmp = $path . '.' . getmypid() . '.tmp';
            if (file_put_contents($tmp, $text) === false || !rename($tmp, $path)) {
                throw new EckIdException("cannot write $path: the web server needs write access "
                    . 'to the folder of the eckid service file', Status::E_CONFIG);
            }
        }
        return $path;
    }

    /**
     * The service file's text with $outbox's keys added to its [outbox] table where it does
     * not set them itself (a line-level edit of that one table: its header line and its
     * "key = value" lines up to the next table header), or in a new [outbox] table at the end
     * when it has none.
     */
    private static function withOutbox(string $text, array $outbox): string
    {
        foreach ($outbox as $key => $value) {
            if (preg_match('/^[a-z_]+$/', (string) $key) !== 1 || !is_int($value)) {
                throw new EckIdException("an [outbox] setting \"$key\" must be a lowercase key "
                    . 'with an integer value', Status::E_CONFIG);
            }
        }
        $lines = preg_split('/(?<=\n)/', $text, -1, PREG_SPLIT_NO_EMPTY);
        $header = null;
        $inOutbox = false;
        foreach ($lines as $i => $line) {
            if (preg_match('/^\s*\[/', $line) === 1) {
                $inOutbox = preg_match('/^\s*\[\s*outbox\s*\]\s*(#.*)?$/', rtrim($line)) === 1;
                $header = $inOutbox ? $i : $header;
            } elseif ($inOutbox && preg_match('/^\s*([a-z_]+)\s*=/', $line, $m) === 1) {
                unset($outbox[$m[1]]); // the administrator's own value stays
            }
        }
        $set = '';
        foreach ($outbox as $key => $value) {
            $set .= "$key = $value\n";
        }
        if ($set === '') {
            return $text;
        }
        if ($header === null) {
            return $text . "\n[outbox]\n" . $set;
        }
        $lines[$header] .= $set;
        return implode('', $lines);
    }

    /** A TOML basic string; control characters are refused (no setting needs them). */
    private static function quote(string $s): string
    {
        if (preg_match('/[\x00-\x1f\x7f]/', $s) === 1) {
            throw new EckIdException('an eckid school setting contains a control character',
                Status::E_CONFIG);
        }
        return '"' . str_replace(['\\', '"'], ['\\\\', '\\"'], $s) . '"';
    }
}
