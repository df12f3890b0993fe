<?php
declare(strict_types=1);

namespace EckId;

/**
 * What became of one pupil of an onboard() list (a copy of the plugin's
 * eckid_onboard_receipt), in input order.
 */
final class OnboardReceipt
{
    /**
     * @param string $pupilKey the pupil key of the input row
     * @param int    $eventId  the pupil's outbox event: its Result comes through poll(), then
     *                         ack() it as for events; 0 when the pupil was refused
     * @param int    $status   Status::QUEUED when accepted (also for a pupil already recorded
     *                         with this PGN: its Result comes at once, without a service call),
     *                         else why it was refused: Status::E_INVALID_PGN,
     *                         Status::E_INVALID_ARGUMENT (empty pupil key, unknown kind, a pupil
     *                         key or PGN that appears earlier in the list)
     * @param string $message  "" when accepted, else what was wrong (never the PGN)
     */
    public function __construct(
        public readonly string $pupilKey,
        public readonly int $eventId,
        public readonly int $status,
        public readonly string $message = '',
    ) {
    }

    /** Whether the pupil became an outbox event (its Result follows). */
    public function accepted(): bool
    {
        return $this->eventId !== 0;
    }

    /** The status's stable name (eckid_status_name), e.g. "queued". */
    public function statusName(): string
    {
        return Status::name($this->status);
    }
}
