using Microsoft.Data.Sqlite;
using TokenOps.Core.Bus;
using TokenOps.Core.Events;

namespace TokenOps.Storage.Tests;

/// <summary>A temp directory holding a real SQLite store file; deleted on dispose.</summary>
internal sealed class TestStore : IDisposable
{
    public TestStore()
    {
        Directory = Path.Combine(Path.GetTempPath(), "tokenops-store-" + Guid.NewGuid().ToString("N"));
        DbPath = Path.Combine(Directory, "data", "events.db");
    }

    public string Directory { get; }

    public string DbPath { get; }

    public StoreOptions Options(int retentionDays = 90) => new() { Path = DbPath, RetentionDays = retentionDays, BusyTimeout = TimeSpan.FromMilliseconds(200) };

    public static Envelope Prompt(
        DateTimeOffset startedAt,
        string provider = Providers.OpenAI,
        string model = "gpt-4o",
        string? workflow = null,
        long input = 100,
        long output = 10) =>
        Envelope.ForPrompt(new PromptEvent
        {
            Provider = provider,
            Operation = "chat",
            Method = "POST",
            Path = "/v1/chat/completions",
            RequestModel = model,
            WorkflowId = workflow,
            StatusCode = 200,
            InputTokens = input,
            OutputTokens = output,
            UsageSource = UsageSources.Provider,
            StartedAt = startedAt,
            LatencyMs = 42,
        });

    public static void Write(IEventSink sink, params Envelope[] envelopes) =>
        sink.WriteBatchAsync(envelopes, CancellationToken.None).AsTask().GetAwaiter().GetResult();

    public long Count(string table)
    {
        using var connection = new SqliteConnection($"Data Source={DbPath};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT COUNT(*) FROM {table};";
        return (long)command.ExecuteScalar()!;
    }

    /// <summary>The first column of the first row of <paramref name="sql"/> (DBNull for SQL NULL).</summary>
    public object Scalar(string sql)
    {
        using var connection = new SqliteConnection($"Data Source={DbPath};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar()!;
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
