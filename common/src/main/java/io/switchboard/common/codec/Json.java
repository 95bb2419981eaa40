package io.switchboard.common.codec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.switchboard.common.model.ValidationException;
import io.switchboard.common.model.Violation;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The one Jackson configuration used for the wire, the stores and the REST API.
 *
 * <p>Strict where strictness catches client bugs (a string where a number belongs, nesting deeper than any
 * message needs) and lenient where it keeps old servers working with newer clients (unknown fields are ignored,
 * as docs/protocol.md promises).
 */
public final class Json {
    /** Deeper nesting than this is never legitimate and is refused before it costs stack. */
    public static final int MAX_NESTING = 32;

    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            // Generated accessors instead of reflection: every trace item passes through here several times.
            .addModule(new com.fasterxml.jackson.module.blackbird.BlackbirdModule())
            .addHandler(new UnknownFieldRecorder())
            .build();

    /** Set by {@link UnknownFieldRecorder} on this thread when a bind skipped a field the type does not have. */
    private static final ThreadLocal<boolean[]> UNKNOWN_SEEN = ThreadLocal.withInitial(() -> new boolean[1]);

    /** Skips an unknown field as Jackson would, and notes that there was one. */
    private static final class UnknownFieldRecorder extends com.fasterxml.jackson.databind.deser.DeserializationProblemHandler {
        @Override
        public boolean handleUnknownProperty(com.fasterxml.jackson.databind.DeserializationContext ctxt,
                                             com.fasterxml.jackson.core.JsonParser p,
                                             com.fasterxml.jackson.databind.JsonDeserializer<?> deserializer,
                                             Object beanOrClass, String propertyName) throws java.io.IOException {
            UNKNOWN_SEEN.get()[0] = true;
            p.skipChildren();
            return true;
        }
    }

    static {
        MAPPER.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxNestingDepth(MAX_NESTING).build());
    }

    private Json() {
    }

    /** Parses text into a tree, or throws {@link DecodeException} saying why it is not JSON. */
    public static JsonNode parse(String text) {
        try {
            return MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw new DecodeException("", "is not valid JSON: " + e.getOriginalMessage());
        }
    }

    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise " + value.getClass().getSimpleName(), e);
        }
    }

    /**
     * Binds a tree to a type, turning Jackson's errors into a {@link ValidationException} that names the field
     * (relative to {@code prefix}) and what was expected.
     */
    public static <T> T bind(JsonNode node, Class<T> type, String prefix) {
        return bind(() -> MAPPER.treeToValue(node, type), prefix);
    }

    /** As {@link #bind(JsonNode, Class, String)}, reading the value at the parser's current token. */
    public static <T> T bind(com.fasterxml.jackson.core.JsonParser parser, Class<T> type, String prefix) {
        return bind(() -> MAPPER.readValue(parser, type), prefix);
    }

    /**
     * Whether the last bind on this thread skipped a field the type does not have (unknown fields are ignored, so
     * that newer clients work with older servers; whoever stores what was sent keeps only the known ones). Reset by
     * {@link #clearUnknownFields()}.
     */
    public static boolean sawUnknownFields() {
        return UNKNOWN_SEEN.get()[0];
    }

    public static void clearUnknownFields() {
        UNKNOWN_SEEN.get()[0] = false;
    }

    /**
     * Reads a frame's top-level {@code type} (and {@code ref}, if it comes before the type) without building it.
     * It stops at the type, so a frame whose type comes first costs almost nothing here; whoever handles the frame
     * reads the rest and finds any malformed JSON further on.
     */
    public static FrameHead head(String text) {
        try (com.fasterxml.jackson.core.JsonParser p = MAPPER.createParser(text)) {
            if (p.nextToken() != com.fasterxml.jackson.core.JsonToken.START_OBJECT) {
                return new FrameHead(false, null, null);
            }
            String ref = null;
            while (p.nextToken() == com.fasterxml.jackson.core.JsonToken.FIELD_NAME) {
                String name = p.currentName();
                com.fasterxml.jackson.core.JsonToken value = p.nextToken();
                if ("type".equals(name) && value == com.fasterxml.jackson.core.JsonToken.VALUE_STRING) {
                    return new FrameHead(true, p.getText(), ref);
                } else if ("ref".equals(name) && value == com.fasterxml.jackson.core.JsonToken.VALUE_STRING) {
                    ref = p.getText();
                } else {
                    p.skipChildren();
                }
            }
            return new FrameHead(true, null, ref);
        } catch (JsonProcessingException e) {
            throw new DecodeException("", "is not valid JSON: " + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw new DecodeException("", "is not valid JSON: " + e.getMessage());
        }
    }

    /** What a frame is, read without building it: whether it is an object, its type and its ref. */
    public record FrameHead(boolean object, String type, String ref) {
    }

    @FunctionalInterface
    private interface Reader<T> {
        T read() throws java.io.IOException;
    }

    private static <T> T bind(Reader<T> reader, String prefix) {
        try {
            return reader.read();
        } catch (ValueInstantiationException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw invalid(prefix, e, cause instanceof NullPointerException ? "must not contain null values"
                    : String.valueOf(cause.getMessage()));
        } catch (InvalidFormatException e) {
            Throwable cause = e.getCause();
            String why = cause instanceof IllegalArgumentException ? cause.getMessage()
                    : "has the wrong format: " + e.getOriginalMessage();
            throw invalid(prefix, e, why);
        } catch (MismatchedInputException e) {
            throw invalid(prefix, e, describeMismatch(e));
        } catch (JsonProcessingException e) {
            throw invalid(prefix, e, e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw new ValidationException(List.of(new Violation(prefix.isEmpty() ? "(frame)" : prefix,
                    String.valueOf(e.getMessage()))));
        } catch (IllegalArgumentException e) {
            throw new ValidationException(List.of(new Violation(prefix.isEmpty() ? "(frame)" : prefix,
                    String.valueOf(e.getMessage()))));
        }
    }

    private static String describeMismatch(MismatchedInputException e) {
        String message = e.getOriginalMessage();
        if (message != null && message.contains("missing type id")) {
            return "needs a kind: log, span or outcome";
        }
        if (message != null && message.contains("known type ids")) {
            return "has an unknown kind; expected log, span or outcome";
        }
        if (e.getTargetType() != null) {
            return "must be " + describe(e.getTargetType());
        }
        return message;
    }

    private static String describe(Class<?> type) {
        if (type == String.class) {
            return "a string";
        }
        if (type == long.class || type == Long.class || type == int.class || type == Integer.class) {
            return "an integer";
        }
        if (type == boolean.class || type == Boolean.class) {
            return "true or false";
        }
        if (java.util.Map.class.isAssignableFrom(type)) {
            return "an object of string values";
        }
        if (java.util.Collection.class.isAssignableFrom(type)) {
            return "an array";
        }
        return "an object";
    }

    private static ValidationException invalid(String prefix, JsonProcessingException e, String why) {
        String path = e instanceof com.fasterxml.jackson.databind.JsonMappingException m
                ? m.getPath().stream().map(ref -> ref.getFieldName() != null ? ref.getFieldName()
                        : "[" + ref.getIndex() + "]").collect(Collectors.joining(".")).replace(".[", "[")
                : "";
        String field = prefix.isEmpty() ? path : path.isEmpty() ? prefix : prefix + "." + path;
        return new ValidationException(List.of(new Violation(field.isEmpty() ? "(frame)" : field, why)));
    }

    /** JSON that is not well-formed, or a frame that is not an object. */
    public static final class DecodeException extends RuntimeException {
        private final String field;

        public DecodeException(String field, String message) {
            super(message);
            this.field = field;
        }

        public String field() {
            return field;
        }
    }
}
