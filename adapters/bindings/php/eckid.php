<?php
/**
 * The eckid PHP binding: require this file, then use EckId\Plugin. Needs PHP 8.1+ with FFI
 * (php -m lists FFI) and, under a web SAPI, ffi.enable=true or FFI preloading (README.md).
 */
declare(strict_types=1);

foreach (['Status', 'EckIdException', 'Result', 'OnboardReceipt', 'Abi', 'Source', 'Finding',
          'CheckReport', 'Plugin'] as $class) {
    require_once __DIR__ . "/src/$class.php";
}
