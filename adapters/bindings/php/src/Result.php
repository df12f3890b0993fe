<?php
declare(strict_types=1);

namespace EckId;

/**
 * A pupil's ECK iDs at one school, or the state of an outbox event (a copy of the plugin's
 * eckid_result). An event call returns ok() or queued(); poll() and eventResult() may also
 * give a failed one (status and message say why; no ECK iDs).
 */
final class Result
{
    /**
     * @param array<string, string> $eckids  chain id => ECK iD URI, in the school's chain order
     * @param int                   $eventId the event's outbox id (0 for lookup()), the key
     *                                       for ack() and for dropping duplicate deliveries
     * @param int                   $status  Status::OK, Status::QUEUED or the failure status
     * @param string                $message "" on success, else what went wrong (never a PGN)
     */
    public function __construct(
        public readonly string $schoolKey,
        public readonly string $pupilKey,
        public readonly string $sector,
        public readonly array $eckids,
        public readonly int $eventId = 0,
        public readonly int $status = Status::OK,
        public readonly string $message = '',
    ) {
    }

    /** The ECK iD of the school's first chain (the common one-chain case); "" when none. */
    public function eckid(): string
    {
        // Not reset(): it takes the readonly array by reference and throws.
        return (string) (array_values($this->eckids)[0] ?? '');
    }

    /** Whether the ECK iDs are there (status OK). */
    public function ok(): bool
    {
        return $this->status === Status::OK;
    }

    /** Whether the event is kept in the outbox and its result comes later (poll()). */
    public function queued(): bool
    {
        return $this->status === Status::QUEUED;
    }

    /** The status's stable name (eckid_status_name), e.g. "queued". */
    public function statusName(): string
    {
        return Status::name($this->status);
    }
}
