package io.milterwatch.processor.topology;

import io.milterwatch.processor.firewall.ParseResult;

/** A raw firewall record and what the parser made of it; the bytes go to the DLQ unchanged if it is invalid. */
record ParsedLine(ParseResult result, byte[] raw) {
}
