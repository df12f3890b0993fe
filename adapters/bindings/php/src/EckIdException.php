<?php
declare(strict_types=1);

namespace EckId;

/**
 * A failed plugin call: the eckid_status and the plugin's message (eckid_last_error()),
 * which names what was wrong and what to do and never contains a PGN.
 */
final class EckIdException extends \RuntimeException
{
    /** @param int $status the eckid_status of the failed call */
    public function __construct(string $message, private readonly int $status)
    {
        parent::__construct($message, $status);
    }

    /** The eckid_status, one of the Status constants. */
    public function status(): int
    {
        return $this->status;
    }

    /** The status's stable name (eckid_status_name), e.g. "invalid_pgn". */
    public function statusName(): string
    {
        return Status::name($this->status);
    }
}
