// JDBC health check: connect to a database, run a query, time it, and
// (optionally) check that its schema migrations are applied.
//
// Connects through the PostgreSQL JDBC driver (any JDBC URL whose driver is
// on the class path works: add its //DEPS line), reports the server's product
// and version, runs the check query and fails when it errors or is slower
// than allowed. With migrations_table it also reads the newest applied
// version from the migrations table (Flyway's flyway_schema_history, Rails'
// schema_migrations, a table of your own) and fails when it is older than
// expected_version (versions compare number by number: 2.10 > 2.9). Run it
// with network "host" (or "bridge", or against a target container).
//
//DEPS org.postgresql:postgresql:42.7.4
//
// /// stellascript
// [parameters.jdbc_url]
// type = "string"
// required = true
// pattern = "jdbc:[a-z0-9]+:.+"
// description = "e.g. jdbc:postgresql://db:5432/app"
// [parameters.user]
// type = "string"
// default = ""
// description = "The database user"
// [parameters.password]
// type = "secret"
// description = "A secret holding the user's password"
// [parameters.query]
// type = "string"
// default = "SELECT 1"
// description = "The check query; its first column of its first row is reported"
// [parameters.max_latency_ms]
// type = "integer"
// default = 2000
// minimum = 1
// description = "Slowest acceptable connect + query, in milliseconds"
// [parameters.migrations_table]
// type = "string"
// default = ""
// pattern = "([A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)?)?"
// description = "The schema migrations table (empty: not checked)"
// [parameters.version_column]
// type = "string"
// default = "version"
// pattern = "[A-Za-z_][A-Za-z0-9_]*"
// description = "The migrations table's version column"
// [parameters.expected_version]
// type = "string"
// default = ""
// description = "The newest applied migration must be at least this version"
// ///
//
// Arguments: the parameters above (in /scripts/args.json, checked before the run).
// Output: a ✓/✗ line per check; $STELLASCRIPT_OUTPUT gets {healthy, database,
// connect_ms, query_ms, result, migration_version, expected_version, problems}.
// Exit codes: 0 healthy, 1 a check failed (the query, its latency, the
// migrations), 2 the database could not be reached or refused the login.
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

public class JdbcHealthCheck {
    static final List<String> problems = new ArrayList<>();
    static final Map<String, Object> outputs = new LinkedHashMap<>();

    public static void main(String[] argv) throws Exception {
        Map<String, String> args = Json.readStringObject(Files.readString(Path.of("/scripts/args.json")));
        String url = args.get("jdbc_url");
        long maxLatencyMs = Long.parseLong(args.getOrDefault("max_latency_ms", "2000"));
        Properties login = new Properties();
        if (!args.getOrDefault("user", "").isEmpty()) {
            login.setProperty("user", args.get("user"));
        }
        if (args.containsKey("password")) {
            // A secret arrives as a file, never as an argument.
            login.setProperty("password", Files.readString(Path.of("/run/secrets", args.get("password"))).strip());
        }
        outputs.put("healthy", false);
        long started = System.nanoTime();
        Connection connection;
        try {
            connection = DriverManager.getConnection(url, login);
        } catch (SQLException error) {
            System.out.println("✗ cannot connect to " + url + ": " + error.getMessage());
            problems.add("cannot connect: " + error.getMessage());
            finish(2);
            return;
        }
        try (connection) {
            long connectMs = elapsedMs(started);
            var meta = connection.getMetaData();
            String database = meta.getDatabaseProductName() + " " + meta.getDatabaseProductVersion();
            outputs.put("database", database);
            outputs.put("connect_ms", connectMs);
            System.out.println("✓ connected to " + database + " in " + connectMs + " ms");

            String query = args.getOrDefault("query", "SELECT 1");
            long queryStarted = System.nanoTime();
            try (Statement statement = connection.createStatement()) {
                statement.setQueryTimeout((int) Math.max(1, (maxLatencyMs + 999) / 1000 * 5));
                String result = firstValue(statement, query);
                long queryMs = elapsedMs(queryStarted);
                outputs.put("query_ms", queryMs);
                outputs.put("result", result);
                System.out.println("✓ " + query + " → " + result + " (" + queryMs + " ms)");
            } catch (SQLException error) {
                check(false, query + " failed: " + error.getMessage());
            }
            long totalMs = elapsedMs(started);
            check(totalMs <= maxLatencyMs, "connect + query took " + totalMs + " ms, at most " + maxLatencyMs + " ms allowed");

            String table = args.getOrDefault("migrations_table", "");
            if (!table.isEmpty()) {
                checkMigrations(connection, table, args.getOrDefault("version_column", "version"),
                        args.getOrDefault("expected_version", ""));
            }
        }
        outputs.put("healthy", problems.isEmpty());
        finish(problems.isEmpty() ? 0 : 1);
    }

    static void checkMigrations(Connection connection, String table, String column, String expected) {
        // Identifiers are checked by the parameters' patterns; versions are sorted here, not by SQL,
        // since "10" < "9" as text and a version column is usually text.
        String sql = "SELECT " + column + " FROM " + table;
        List<String> versions = new ArrayList<>();
        try (Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery(sql)) {
            while (rows.next()) {
                if (rows.getString(1) != null) {
                    versions.add(rows.getString(1));
                }
            }
        } catch (SQLException error) {
            check(false, "cannot read the migrations table " + table + ": " + error.getMessage());
            return;
        }
        String newest = versions.stream().max(JdbcHealthCheck::compareVersions).orElse(null);
        outputs.put("migration_version", newest);
        outputs.put("migrations_applied", versions.size());
        outputs.put("expected_version", expected.isEmpty() ? null : expected);
        if (newest == null) {
            check(false, table + " holds no migrations");
        } else if (expected.isEmpty()) {
            System.out.println("✓ " + versions.size() + " migrations applied, the newest " + newest);
        } else {
            check(compareVersions(newest, expected) >= 0,
                    "the newest migration is " + newest + " (" + versions.size() + " applied), at least " + expected + " expected");
        }
    }

    /** Compares dotted versions (or timestamps) number by number; a non-number part compares as text. */
    static int compareVersions(String left, String right) {
        String[] a = left.split("[._-]");
        String[] b = right.split("[._-]");
        for (int i = 0; i < Math.max(a.length, b.length); i++) {
            String x = i < a.length ? a[i] : "0";
            String y = i < b.length ? b[i] : "0";
            int order = x.matches("\\d+") && y.matches("\\d+")
                    ? new java.math.BigInteger(x).compareTo(new java.math.BigInteger(y)) : x.compareTo(y);
            if (order != 0) {
                return order;
            }
        }
        return 0;
    }

    static String firstValue(Statement statement, String query) throws SQLException {
        if (!statement.execute(query)) {
            return statement.getUpdateCount() + " rows";
        }
        try (ResultSet rows = statement.getResultSet()) {
            return rows.next() ? String.valueOf(rows.getObject(1)) : "(no rows)";
        }
    }

    static void check(boolean ok, String text) {
        System.out.println((ok ? "✓ " : "✗ ") + text);
        if (!ok) {
            problems.add(text);
        }
    }

    static long elapsedMs(long startedNanos) {
        return (System.nanoTime() - startedNanos) / 1_000_000;
    }

    static void finish(int code) throws Exception {
        outputs.put("problems", problems);
        String path = System.getenv("STELLASCRIPT_OUTPUT");
        if (path != null && !path.isEmpty()) {
            Files.writeString(Path.of(path), Json.write(outputs));
        }
        System.exit(code);
    }

    /** The JDK has no JSON library: a reader for args.json (an object of strings) and a small writer. */
    static final class Json {
        static Map<String, String> readStringObject(String json) {
            Map<String, String> result = new LinkedHashMap<>();
            int[] at = {skipBlanks(json, 0)};
            expect(json, at, '{');
            while (json.charAt(skipBlanks(json, at[0])) != '}') {
                String key = readString(json, at);
                expect(json, at, ':');
                result.put(key, readString(json, at));
                at[0] = skipBlanks(json, at[0]);
                if (json.charAt(at[0]) == ',') at[0]++;
            }
            return result;
        }

        static String readString(String json, int[] at) {
            expect(json, at, '"');
            StringBuilder text = new StringBuilder();
            for (char c = json.charAt(at[0]++); c != '"'; c = json.charAt(at[0]++)) {
                if (c != '\\') {
                    text.append(c);
                    continue;
                }
                char escaped = json.charAt(at[0]++);
                switch (escaped) {
                    case 'n' -> text.append('\n');
                    case 't' -> text.append('\t');
                    case 'r' -> text.append('\r');
                    case 'b' -> text.append('\b');
                    case 'f' -> text.append('\f');
                    case 'u' -> {
                        text.append((char) Integer.parseInt(json.substring(at[0], at[0] + 4), 16));
                        at[0] += 4;
                    }
                    default -> text.append(escaped); // \" \\ \/
                }
            }
            return text.toString();
        }

        static void expect(String json, int[] at, char wanted) {
            at[0] = skipBlanks(json, at[0]);
            if (json.charAt(at[0]) != wanted) {
                throw new IllegalArgumentException("args.json: expected '" + wanted + "' at character " + at[0]);
            }
            at[0]++;
        }

        static int skipBlanks(String json, int at) {
            while (at < json.length() && Character.isWhitespace(json.charAt(at))) at++;
            return at;
        }

        static String write(Object value) {
            if (value == null) return "null";
            if (value instanceof Boolean || value instanceof Number) return value.toString();
            if (value instanceof Map<?, ?> map) {
                List<String> members = new ArrayList<>();
                map.forEach((key, item) -> members.add(quote(key.toString()) + ":" + write(item)));
                return "{" + String.join(",", members) + "}";
            }
            if (value instanceof List<?> list) {
                return "[" + String.join(",", list.stream().map(Json::write).toList()) + "]";
            }
            return quote(value.toString());
        }

        static String quote(String text) {
            StringBuilder quoted = new StringBuilder("\"");
            for (char c : text.toCharArray()) {
                if (c == '"' || c == '\\') quoted.append('\\').append(c);
                else if (c < 0x20) quoted.append(String.format("\\u%04x", (int) c));
                else quoted.append(c);
            }
            return quoted.append('"').toString();
        }
    }
}
