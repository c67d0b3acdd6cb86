package io.milterwatch.processor.query;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

import io.milterwatch.http.Exchange;
import io.milterwatch.http.HttpService;

/**
 * Lets a browser's {@code EventSource}, which cannot send an {@code Authorization} header, give the
 * token as {@code ?access_token=TOKEN} (RFC 6750, section 2.3), on the one endpoint it guards (the
 * server-sent-event stream). A request with an {@code Authorization} header, or without the
 * parameter, is judged by the header check as everywhere else. The token is compared in constant
 * time; the query server logs no request URIs.
 */
final class QueryParameterToken implements HttpService.Access {

    static final String PARAMETER = "access_token";

    private final HttpService.Access header;
    private final byte[] expected;

    QueryParameterToken(final HttpService.Access header, final String token) {
        this.header = header;
        this.expected = token == null || token.isEmpty() ? null : token.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public boolean admit(final Exchange ex) {
        if (expected == null || ex.hasHeader("Authorization")) {
            return header.admit(ex);
        }
        final String given = parameter(ex.rawQuery());
        if (given != null && MessageDigest.isEqual(expected, given.getBytes(StandardCharsets.UTF_8))) {
            return true;
        }
        return header.admit(ex);
    }

    private static String parameter(final String rawQuery) {
        if (rawQuery == null) {
            return null;
        }
        for (final String pair : rawQuery.split("&")) {
            if (pair.startsWith(PARAMETER + "=")) {
                return URLDecoder.decode(pair.substring(PARAMETER.length() + 1), StandardCharsets.UTF_8);
            }
        }
        return null;
    }
}
