import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.SchemaParseException;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.io.JsonEncoder;
import org.apache.avro.message.BinaryMessageEncoder;

/**
 * The schema-history generator (run through {@code schemas/tools/schema-history}, never by a test).
 *
 * <pre>
 * history   walk every commit reachable from HEAD (oldest first, merged branches included) and the
 *           working tree, parse every .avsc there, and add a file
 *           schemas/src/main/avro-history/&lt;Record&gt;/v&lt;N&gt;.avsc for each schema of a record
 *           written to a topic or a store that is not in the history yet (by fingerprint);
 *           HISTORY.md lists each version with the commit that first wrote it.
 * fixtures  for each history version without one, write a deterministic value as Avro JSON
 *           (schemas/src/test/resources/schema-fixtures/&lt;Record&gt;/v&lt;N&gt;.json: the expected
 *           value) and its single-object encoding with that version's schema (v&lt;N&gt;.bin).
 * </pre>
 *
 * Existing files are never rewritten: a version, once released, is history.
 */
public final class SchemaHistoryTool {

    /** Records written to a topic or a store (the others only appear nested in these). */
    static final List<String> WRITTEN = List.of("Target", "ProbeRequest", "ProbeResult", "FirewallEvent", "ExposureState", "Alert", "TargetHealth");
    static final String NAMESPACE = "io.milterwatch.schema";

    public static void main(final String[] args) throws Exception {
        if (args.length != 1 || !(args[0].equals("history") || args[0].equals("fixtures"))) {
            System.err.println("usage: schema-history history|fixtures");
            System.exit(2);
        }
        final Path root = Path.of(git(Path.of("."), "rev-parse", "--show-toplevel").trim());
        if (args[0].equals("history")) {
            history(root);
        } else {
            fixtures(root);
        }
    }

    record Version(String record, int number, Schema schema, String commit, String date, String subject) {
    }

    static void history(final Path root) throws Exception {
        final Path dir = root.resolve("schemas/src/main/avro-history");
        final Map<String, List<Version>> known = readHistory(dir);
        final List<String> commits = new ArrayList<>(List.of(git(root, "rev-list", "--reverse", "--topo-order", "--first-parent", "HEAD").split("\n")));
        commits.add("WORKTREE");
        String previousListing = null;
        final Map<String, Version> added = new LinkedHashMap<>();
        for (final String commit : commits) {
            final Map<String, String> files = new TreeMap<>();
            final String listing;
            if (commit.equals("WORKTREE")) {
                try (var paths = Files.walk(root.resolve("schemas/src/main/avro"))) {
                    for (final Path p : paths.filter(p -> p.toString().endsWith(".avsc")).toList()) {
                        files.put(root.relativize(p).toString(), Files.readString(p));
                    }
                }
                listing = files.toString();
            } else {
                listing = git(root, "ls-tree", "-r", commit);
                if (listing.equals(previousListing)) {
                    continue;
                }
                for (final String line : listing.split("\n")) {
                    final String path = line.substring(line.indexOf('\t') + 1);
                    if (path.endsWith(".avsc") && !path.contains("avro-history/")) {
                        files.put(path, git(root, "show", commit + ":" + path));
                    }
                }
            }
            previousListing = listing;
            if (files.isEmpty()) {
                continue;
            }
            final Map<String, Schema> types = parseAll(commit, files);
            final String date = commit.equals("WORKTREE") ? "(working tree)" : git(root, "log", "-1", "--format=%cs", commit).trim();
            final String subject = commit.equals("WORKTREE") ? "(not committed yet)" : git(root, "log", "-1", "--format=%s", commit).trim();
            for (final String name : WRITTEN) {
                final Schema schema = types.get(NAMESPACE + "." + name);
                if (schema == null) {
                    continue;
                }
                final List<Version> versions = known.computeIfAbsent(name, n -> new ArrayList<>());
                if (!commit.equals("WORKTREE")) {
                    // A version added from the working tree, now committed: name the commit that first wrote it.
                    versions.replaceAll(v -> v.commit().equals("WORKTREE") && v.schema().equals(schema)
                            ? new Version(v.record(), v.number(), v.schema(), commit.substring(0, 7), date, subject) : v);
                }
                if (versions.stream().noneMatch(v -> v.schema().equals(schema))) {
                    final String shortCommit = commit.equals("WORKTREE") ? "WORKTREE" : commit.substring(0, 7);
                    final Version v = new Version(name, versions.size() + 1, schema, shortCommit, date, subject);
                    versions.add(v);
                    added.put(name + " v" + v.number(), v);
                    System.out.printf(Locale.ROOT, "%s v%d fingerprint %s from %s%n", name, v.number(), wireFingerprint(schema), shortCommit);
                }
            }
        }
        for (final Version v : added.values()) {
            final Path file = dir.resolve(v.record()).resolve("v" + v.number() + ".avsc");
            Files.createDirectories(file.getParent());
            Files.writeString(file, v.schema().toString(true) + "\n");
        }
        writeIndex(dir, known, root);
        System.out.println(added.isEmpty() ? "history up to date" : added.size() + " version(s) added");
    }

    /** Parses a commit's .avsc files, each of which may name types from the others. */
    static Map<String, Schema> parseAll(final String commit, final Map<String, String> files) {
        final Map<String, Schema> types = new LinkedHashMap<>();
        final Set<String> left = new LinkedHashSet<>(files.keySet());
        while (!left.isEmpty()) {
            boolean progress = false;
            RuntimeException last = null;
            for (final String path : List.copyOf(left)) {
                try {
                    final Schema.Parser parser = new Schema.Parser().addTypes(types.values());
                    parser.parse(files.get(path));
                    types.putAll(parser.getTypes());
                    left.remove(path);
                    progress = true;
                } catch (final SchemaParseException | org.apache.avro.AvroTypeException e) {
                    // Names a type from a file not parsed yet: try it again in the next round.
                    last = e;
                }
            }
            if (!progress) {
                throw new IllegalStateException("commit " + commit + ": cannot parse " + left + ": " + last.getMessage(), last);
            }
        }
        return types;
    }

    static Map<String, List<Version>> readHistory(final Path dir) throws IOException {
        final Map<String, List<Version>> known = new TreeMap<>();
        final Map<String, String[]> index = readIndex(dir);
        for (final String name : WRITTEN) {
            final List<Version> versions = new ArrayList<>();
            for (int n = 1; Files.exists(dir.resolve(name).resolve("v" + n + ".avsc")); n++) {
                final Schema s = new Schema.Parser().parse(dir.resolve(name).resolve("v" + n + ".avsc").toFile());
                final String[] row = index.getOrDefault(name + " v" + n, new String[] {"?", "?", "?"});
                versions.add(new Version(name, n, s, row[0], row[1], row[2]));
            }
            known.put(name, versions);
        }
        return known;
    }

    static Map<String, String[]> readIndex(final Path dir) throws IOException {
        final Map<String, String[]> rows = new TreeMap<>();
        final Path index = dir.resolve("HISTORY.md");
        if (Files.exists(index)) {
            for (final String line : Files.readAllLines(index)) {
                final String[] cells = line.split("\\|");
                if (cells.length >= 7 && cells[2].trim().matches("v\\d+")) {
                    rows.put(cells[1].trim() + " " + cells[2].trim(),
                            new String[] {cells[4].trim().replace("`", ""), cells[5].trim(), cells[6].trim()});
                }
            }
        }
        return rows;
    }

    static void writeIndex(final Path dir, final Map<String, List<Version>> known, final Path root) throws IOException {
        final StringBuilder out = new StringBuilder();
        out.append("# Schema history\n\n")
                .append("Every schema of a record that milterwatch has written to a topic or a state store, one file per\n")
                .append("version (`<Record>/v<N>.avsc`, the whole schema with its nested types). Every serde registers all of\n")
                .append("them as writer schemas, so records written by any earlier version still decode. Generated and extended\n")
                .append("by `schemas/tools/schema-history history` (from git history since the first commit, and the working\n")
                .append("tree); a version once listed is never rewritten. `SchemaHistoryTest` fails when a schema in\n")
                .append("`schemas/src/main/avro` is not the newest version here. See docs/upgrading.md for the rules.\n\n")
                .append("| record | version | fingerprint (CRC-64-AVRO, as on the wire) | first written by | date | commit subject |\n")
                .append("|---|---|---|---|---|---|\n");
        for (final Map.Entry<String, List<Version>> e : known.entrySet()) {
            for (final Version v : e.getValue()) {
                String subject = v.subject();
                if (subject.length() > 90) {
                    subject = subject.substring(0, 87) + "...";
                }
                out.append("| ").append(v.record()).append(" | v").append(v.number()).append(" | `").append(wireFingerprint(v.schema()))
                        .append("` | `").append(v.commit()).append("` | ").append(v.date()).append(" | ").append(subject.replace("|", "/"))
                        .append(" |\n");
            }
        }
        Files.writeString(dir.resolve("HISTORY.md"), out.toString());
    }

    static String wireFingerprint(final Schema schema) {
        final long fp = SchemaNormalization.parsingFingerprint64(schema);
        final StringBuilder s = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            s.append(String.format(Locale.ROOT, "%02X", (fp >>> (8 * i)) & 0xFF));
        }
        return s.toString();
    }

    static void fixtures(final Path root) throws Exception {
        final Path dir = root.resolve("schemas/src/main/avro-history");
        final Path out = root.resolve("schemas/src/test/resources/schema-fixtures");
        int written = 0;
        for (final Map.Entry<String, List<Version>> e : readHistory(dir).entrySet()) {
            for (final Version v : e.getValue()) {
                final Path json = out.resolve(v.record()).resolve("v" + v.number() + ".json");
                final Path bin = out.resolve(v.record()).resolve("v" + v.number() + ".bin");
                if (Files.exists(json) && Files.exists(bin)) {
                    continue;
                }
                final Object value = sample(v.schema(), v.record() + ".v" + v.number(), v.number());
                Files.createDirectories(json.getParent());
                final ByteArrayOutputStream text = new ByteArrayOutputStream();
                final JsonEncoder encoder = EncoderFactory.get().jsonEncoder(v.schema(), text, true);
                new GenericDatumWriter<Object>(v.schema()).write(value, encoder);
                encoder.flush();
                Files.writeString(json, text.toString(StandardCharsets.UTF_8) + "\n");
                final ByteBuffer buffer = new BinaryMessageEncoder<GenericData.Record>(GenericData.get(), v.schema())
                        .encode((GenericData.Record) value);
                final byte[] bytes = new byte[buffer.remaining()];
                buffer.get(bytes);
                Files.write(bin, bytes);
                written++;
                System.out.println("wrote " + root.relativize(bin) + " (" + bytes.length + " bytes) and its .json");
            }
        }
        System.out.println(written == 0 ? "fixtures up to date" : written + " fixture(s) written");
    }

    /** A deterministic value for {@code schema}, every field set (the non-null branch of a union). */
    static Object sample(final Schema schema, final String path, final int version) {
        final int h = Math.abs(path.hashCode() % 1000);
        return switch (schema.getType()) {
            case RECORD -> {
                final GenericData.Record r = new GenericData.Record(schema);
                for (final Schema.Field f : schema.getFields()) {
                    r.put(f.pos(), sample(f.schema(), path + "." + f.name(), version));
                }
                yield r;
            }
            case ENUM -> new GenericData.EnumSymbol(schema, schema.getEnumSymbols().get(h % schema.getEnumSymbols().size()));
            case ARRAY -> {
                final List<Object> items = new ArrayList<>();
                for (int i = 0; i < 2; i++) {
                    items.add(sample(schema.getElementType(), path + "[" + i + "]", version));
                }
                yield new GenericData.Array<>(schema, items);
            }
            case MAP -> Map.of("key-" + h, sample(schema.getValueType(), path + "{}", version));
            case UNION -> {
                Schema branch = schema.getTypes().get(0);
                for (final Schema t : schema.getTypes()) {
                    if (t.getType() != Schema.Type.NULL) {
                        branch = t;
                        break;
                    }
                }
                yield sample(branch, path, version);
            }
            case STRING -> path.substring(path.lastIndexOf('.') + 1) + "-v" + version + "-" + h;
            case BYTES -> ByteBuffer.wrap(new byte[] {(byte) h, (byte) version});
            case FIXED -> new GenericData.Fixed(schema, new byte[schema.getFixedSize()]);
            case INT -> h;
            case LONG -> 1_764_300_000_000L + h * 1000L + version;
            case FLOAT -> h / 8f;
            case DOUBLE -> h / 8d;
            case BOOLEAN -> h % 2 == 0;
            case NULL -> null;
        };
    }

    static String git(final Path dir, final String... args) throws IOException, InterruptedException {
        final List<String> cmd = new ArrayList<>(List.of("git", "-C", dir.toString()));
        cmd.addAll(List.of(args));
        final Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        final String out;
        try (InputStream in = p.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        if (p.waitFor() != 0) {
            throw new IOException("git " + String.join(" ", args) + " failed with status " + p.exitValue());
        }
        return out;
    }
}
