// Database migration check: are a PostgreSQL database's schema migrations
// applied — up to the version this release needs, and none of them failed?
//
// Connects with Npgsql, reads the migrations table with Dapper (Entity
// Framework's __EFMigrationsHistory, Flyway's flyway_schema_history, or any
// table with a version column), and fails when the newest applied version is
// older than expected_version (versions compare number by number, 2.10 > 2.9),
// or when a success column says a migration failed. Run it with network
// "host" (or "bridge", or against a target container).
//
// NOT RUNNABLE ON THIS INSTALLATION: Npgsql 8 targets .NET 6 and later only,
// and C# runs on Mono here (see the samples README); nuget.org is not
// reachable from these machines either. It is written for .NET (dotnet-script
// or a .NET-based C# runtime image); the same check in Java
// (jdbc-health-check, migrations_table) runs and is tested here.
//
// /// stellascript
// [parameters.connection_string]
// type = "string"
// required = true
// description = "Npgsql's, without the password: Host=db;Port=5432;Database=app;Username=app"
// [parameters.password]
// type = "secret"
// description = "A secret holding the user's password"
// [parameters.migrations_table]
// type = "string"
// default = "__EFMigrationsHistory"
// pattern = "[A-Za-z_][A-Za-z0-9_]*"
// [parameters.version_column]
// type = "string"
// default = "MigrationId"
// pattern = "[A-Za-z_][A-Za-z0-9_]*"
// [parameters.success_column]
// type = "string"
// default = ""
// pattern = "([A-Za-z_][A-Za-z0-9_]*)?"
// description = "A boolean column that is false for a failed migration (Flyway: success; empty: none)"
// [parameters.expected_version]
// type = "string"
// required = true
// description = "The newest applied migration must be at least this one"
// ///
//
// Arguments: the parameters above (in /scripts/args.json, checked before the run).
// Output: ✓/✗ lines; $STELLASCRIPT_OUTPUT gets {healthy, applied, newest,
// expected_version, failed_migrations, problems}.
// Exit codes: 0 up to date, 1 behind or a migration failed, 2 the database
// could not be reached.

#r "nuget: Npgsql, 8.0.0"
#r "nuget: Dapper, 2.1.0"

using System.Text.Json;
using Dapper;
using Npgsql;

var args = JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText("/scripts/args.json"));
var builder = new NpgsqlConnectionStringBuilder(args["connection_string"]);
if (args.TryGetValue("password", out var secretName))
{
    // A secret arrives as a file, never as an argument.
    builder.Password = File.ReadAllText("/run/secrets/" + secretName).Trim();
}
string table = args.GetValueOrDefault("migrations_table", "__EFMigrationsHistory");
string column = args.GetValueOrDefault("version_column", "MigrationId");
string successColumn = args.GetValueOrDefault("success_column", "");
string expected = args["expected_version"];
var problems = new List<string>();
var outputs = new Dictionary<string, object> { ["expected_version"] = expected, ["problems"] = problems };

List<(string Version, bool Success)> rows;
try
{
    using var connection = new NpgsqlConnection(builder.ConnectionString);
    connection.Open();
    Console.WriteLine($"✓ connected to {builder.Host}/{builder.Database} (PostgreSQL {connection.PostgreSqlVersion})");
    // Identifiers are checked by the parameters' patterns, and quoted.
    string success = successColumn.Length > 0 ? $"\"{successColumn}\"" : "TRUE";
    rows = connection.Query<(string, bool)>($"SELECT \"{column}\"::text, {success} FROM \"{table}\"").ToList();
}
catch (NpgsqlException error)
{
    Console.WriteLine($"✗ cannot read {table}: {error.Message}");
    problems.Add(error.Message);
    Finish(2);
    return;
}

var failedMigrations = rows.Where(row => !row.Success).Select(row => row.Version).ToList();
string newest = rows.Select(row => row.Version).OrderBy(v => v, Comparer<string>.Create(CompareVersions)).LastOrDefault();
outputs["applied"] = rows.Count;
outputs["newest"] = newest;
outputs["failed_migrations"] = failedMigrations;
Check(newest != null && CompareVersions(newest, expected) >= 0,
      newest == null ? $"{table} holds no migrations" : $"the newest of {rows.Count} migrations is {newest}, at least {expected} expected");
Check(failedMigrations.Count == 0, failedMigrations.Count == 0 ? "no migration failed" : $"failed: {string.Join(", ", failedMigrations)}");
Finish(problems.Count == 0 ? 0 : 1);

void Check(bool ok, string text)
{
    Console.WriteLine((ok ? "✓ " : "✗ ") + text);
    if (!ok) problems.Add(text);
}

void Finish(int code)
{
    outputs["healthy"] = code == 0;
    string path = Environment.GetEnvironmentVariable("STELLASCRIPT_OUTPUT");
    if (!string.IsNullOrEmpty(path)) File.WriteAllText(path, JsonSerializer.Serialize(outputs));
    Environment.Exit(code);
}

static int CompareVersions(string left, string right)
{
    string[] a = left.Split('.', '_', '-'), b = right.Split('.', '_', '-');
    for (int i = 0; i < Math.Max(a.Length, b.Length); i++)
    {
        string x = i < a.Length ? a[i] : "0", y = i < b.Length ? b[i] : "0";
        int order = decimal.TryParse(x, out var m) && decimal.TryParse(y, out var n) ? m.CompareTo(n) : string.CompareOrdinal(x, y);
        if (order != 0) return order;
    }
    return 0;
}
