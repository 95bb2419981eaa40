package io.switchboard.common.codec;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.common.model.EventValidator;
import io.switchboard.common.model.Node;
import io.switchboard.common.model.TraceItem;
import io.switchboard.common.model.ValidationException;
import io.switchboard.common.model.Violation;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns wire JSON into validated model records for one tenant. The tenant always comes from the caller (the
 * verified token); a {@code tenant} field in the payload is ignored.
 */
public final class EventCodec {
    private final EventValidator validator;

    public EventCodec(EventValidator validator) {
        this.validator = validator;
    }

    public EventValidator validator() {
        return validator;
    }

    /** Decodes and validates a node; violations name fields under {@code prefix}. */
    public Node node(JsonNode json, String tenant, String prefix) {
        requireObject(json, prefix);
        Node node = Json.bind(json, Node.class, prefix).withTenant(tenant);
        return withPrefix(prefix, () -> validator.require(node));
    }

    /** Decodes and validates one trace item; violations name fields under {@code prefix}. */
    public TraceItem item(JsonNode json, String tenant, String prefix) {
        requireObject(json, prefix);
        TraceItem item = Json.bind(json, TraceItem.class, prefix).withTenant(tenant);
        return withPrefix(prefix, () -> validator.require(item));
    }

    /**
     * Binds one trace item from a parser positioned at its first token (which must start an object), without
     * validating it; for hot paths that do not build a tree of the whole frame. Then call {@link #validate}.
     * Jackson leaves the parser just past the item, with no current token.
     */
    public TraceItem bind(com.fasterxml.jackson.core.JsonParser parser, String tenant, String prefix) {
        if (parser.currentToken() != com.fasterxml.jackson.core.JsonToken.START_OBJECT) {
            throw new ValidationException(List.of(new Violation(prefix, "must be an object")));
        }
        return Json.bind(parser, TraceItem.class, prefix).withTenant(tenant);
    }

    /** Validates a bound item; violations name fields under {@code prefix}. */
    public <T extends TraceItem> T validate(T item, String prefix) {
        return withPrefix(prefix, () -> validator.require(item));
    }

    private static void requireObject(JsonNode json, String prefix) {
        if (json == null || !json.isObject()) {
            throw new ValidationException(List.of(new Violation(prefix, "must be an object")));
        }
    }

    private static <T> T withPrefix(String prefix, java.util.function.Supplier<T> check) {
        try {
            return check.get();
        } catch (ValidationException e) {
            if (prefix.isEmpty()) {
                throw e;
            }
            List<Violation> prefixed = new ArrayList<>();
            for (Violation v : e.violations()) {
                prefixed.add(new Violation(prefix + "." + v.field(), v.message()));
            }
            throw new ValidationException(prefixed);
        }
    }
}
