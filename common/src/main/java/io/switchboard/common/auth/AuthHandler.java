package io.switchboard.common.auth;

import io.switchboard.common.service.HttpErrors;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Authenticates a request from {@code Authorization: Bearer} or {@code ?token=}, checks the role, and leaves the
 * {@link Principal} on the routing context. Refusals are 401 (who are you?) or 403 (not allowed) with a JSON
 * error saying why, and a {@code WWW-Authenticate} header as RFC 6750 asks.
 */
public final class AuthHandler implements Handler<RoutingContext> {
    private static final String PRINCIPAL_KEY = "switchboard.principal";

    private final Vertx vertx;
    private final TokenVerifier verifier;
    private final Set<Role> allowed;

    private AuthHandler(Vertx vertx, TokenVerifier verifier, Set<Role> allowed) {
        this.vertx = vertx;
        this.verifier = verifier;
        this.allowed = allowed;
    }

    public static AuthHandler requiring(Vertx vertx, TokenVerifier verifier, Role first, Role... more) {
        return new AuthHandler(vertx, verifier, EnumSet.of(first, more));
    }

    /** The principal an earlier {@link AuthHandler} verified for this request. */
    public static Principal principal(RoutingContext ctx) {
        Principal p = ctx.get(PRINCIPAL_KEY);
        if (p == null) {
            throw new IllegalStateException("no AuthHandler ran before this handler");
        }
        return p;
    }

    /** The bearer token of a request: the Authorization header first, else the token query parameter. */
    public static String token(HttpServerRequest request) {
        String header = request.getHeader("Authorization");
        if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return header.substring(7).trim();
        }
        return request.getParam("token");
    }

    /** Verifies a request's token and role, off the event loop when the verifier may block. */
    public Future<Principal> authenticate(HttpServerRequest request) {
        String token = token(request);
        Principal warmUp = WarmUpKey.principal(token, fromThisMachine(request));
        if (warmUp != null) {
            return allowed.contains(warmUp.role()) ? Future.succeededFuture(warmUp) : Future.failedFuture(
                    new AuthException(AuthException.Reason.FORBIDDEN, "the warm-up may not use this endpoint"));
        }
        Future<Principal> verified = verifier.mayBlock()
                ? vertx.executeBlocking(() -> verifier.verify(token), false)
                : verifyNow(token);
        return verified.compose(p -> {
            if (!allowed.contains(p.role())) {
                return Future.failedFuture(new AuthException(AuthException.Reason.FORBIDDEN,
                        "role '" + p.role().wireName() + "' may not use this endpoint; it needs "
                                + allowed.stream().map(Role::wireName).collect(Collectors.joining(" or "))));
            }
            return Future.succeededFuture(p);
        });
    }

    /** A loopback peer, or one at this connection's own local address (a server bound to one interface). */
    private static boolean fromThisMachine(HttpServerRequest request) {
        if (request.remoteAddress() == null) {
            return false;
        }
        String remote = request.remoteAddress().hostAddress();
        return remote != null && (remote.startsWith("127.") || remote.equals("::1") || remote.equals("0:0:0:0:0:0:0:1")
                || request.localAddress() != null && remote.equals(request.localAddress().hostAddress()));
    }

    private Future<Principal> verifyNow(String token) {
        try {
            return Future.succeededFuture(verifier.verify(token));
        } catch (RuntimeException e) {
            return Future.failedFuture(e);
        }
    }

    @Override
    public void handle(RoutingContext ctx) {
        // Hold the body back while verifying (off the event loop for JWKS), unless a BodyHandler already read it.
        boolean paused = !ctx.request().isEnded();
        if (paused) {
            ctx.request().pause();
        }
        authenticate(ctx.request()).onComplete(ar -> {
            if (paused) {
                ctx.request().resume();
            }
            if (ar.succeeded()) {
                ctx.put(PRINCIPAL_KEY, ar.result());
                ctx.next();
            } else {
                refuse(ctx, ar.cause());
            }
        });
    }

    /** Answers a failed authentication with the right status, header and JSON error. */
    public static void refuse(RoutingContext ctx, Throwable cause) {
        if (cause instanceof AuthException auth) {
            if (auth.reason().httpStatus() == 401) {
                ctx.response().putHeader("WWW-Authenticate", "Bearer error=\"invalid_token\", error_description=\""
                        + auth.getMessage().replace("\"", "'") + "\"");
            }
            HttpErrors.send(ctx, auth.reason().httpStatus(), auth.reason().code(), auth.getMessage());
        } else {
            HttpErrors.send(ctx, 500, "internal", "authentication failed unexpectedly; see the server log");
        }
    }
}
