<?php
declare(strict_types=1);

namespace EckId;

use FFI;
use FFI\CData;

/**
 * What Plugin::check() found (a copy of eckid_check_report): every problem of a configuration,
 * the certificate and salt findings, and the schools that read well.
 */
final class CheckReport
{
    /**
     * @param list<Finding> $findings in the order checked: configuration, certificate, salt
     * @param list<array{key: string, oin: string, sector: string, chains: list<string>,
     *              enabled: bool, start_date: string, active: bool}> $schools in configuration
     *        order; active: requests may be sent for it today
     */
    public function __construct(
        public readonly array $findings,
        public readonly int $failures,
        public readonly int $warnings,
        public readonly array $schools,
    ) {
    }

    /** Whether nothing keeps the plugin from opening or the service from accepting it. */
    public function ok(): bool
    {
        return $this->failures === 0;
    }

    /** The findings that are not OK (failures and warnings). @return list<Finding> */
    public function problems(): array
    {
        return array_values(array_filter($this->findings, fn(Finding $f) => $f->verdict !== Finding::OK));
    }

    /** Copies an eckid_check_report (pointer) and frees it. */
    public static function take(FFI $ffi, CData $out): self
    {
        $r = $out[0];
        $string = fn($p): string => $p === null ? "" : (is_string($p) ? $p : FFI::string($p)); // FFI reads const char* as a string
        $findings = $schools = [];
        for ($i = 0; $i < $r->finding_count; $i++) {
            $f = $r->findings[$i][0];
            $findings[] = new Finding((int) $f->verdict, $string($f->check), $string($f->file),
                $f->line, $string($f->key), $string($f->message));
        }
        for ($i = 0; $i < $r->school_count; $i++) {
            $s = $r->schools[$i][0];
            $chains = [];
            for ($c = 0; $c < $s->chain_count; $c++) {
                $chains[] = $string($s->chains[$c]);
            }
            $schools[] = ['key' => $string($s->key), 'oin' => $string($s->oin),
                'sector' => $string($s->sector), 'chains' => $chains, 'enabled' => $s->enabled !== 0,
                'start_date' => $string($s->start_date), 'active' => $s->active !== 0];
        }
        $report = new self($findings, $r->failures, $r->warnings, $schools);
        $ffi->eckid_free($out);
        return $report;
    }
}
