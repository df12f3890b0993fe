<?php
declare(strict_types=1);

namespace EckId;

/** A pupil's ECK iDs at one school (a copy of the plugin's eckid_result). */
final class Result
{
    /**
     * @param array<string, string> $eckids chain id => ECK iD URI, in the school's chain order
     */
    public function __construct(
        public readonly string $schoolKey,
        public readonly string $pupilKey,
        public readonly string $sector,
        public readonly array $eckids,
    ) {
    }

    /** The ECK iD of the school's first chain (the common one-chain case). */
    public function eckid(): string
    {
        return (string) reset($this->eckids);
    }
}
