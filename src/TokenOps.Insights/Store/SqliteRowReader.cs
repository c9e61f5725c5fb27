using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace TokenOps.Insights.Store;

/// <summary>
/// Reads the rows of one query straight from SQLite's statement: one native call per column value (two for a string or a
/// nullable number), on the statement's raw pointer. <see cref="SqliteDataReader"/> makes about three calls per column per
/// row (type checks, then the value), each adding and releasing a reference on the statement's <c>SafeHandle</c>; over the
/// million rows of a 30-day waste report that was a third of the time (perf: 23 % <c>DangerousAddRef/Release</c>). The
/// other 11 % was the connection mutex, which every column call takes: the reader opens its own read-only connection to the
/// same file with <c>SQLITE_OPEN_NOMUTEX</c> (https://sqlite.org/threadsafe.html, multi-thread mode), which is safe because
/// only the thread reading uses it.
/// </summary>
/// <remarks>
/// The text of a column is only valid until the next call on the statement (https://sqlite.org/c3ref/column_blob.html):
/// <see cref="Utf8"/> copies it into a buffer this reader owns. The calls resolve to the same library the SQLitePCLRaw
/// provider uses (<c>e_sqlite3</c>: the bundle's shared library under the JIT, the static SQLite linked into the AOT
/// executable through <c>DirectPInvoke</c>, see aot/TokenOps.Aot.targets).
/// </remarks>
internal sealed class SqliteRowReader : IDisposable
{
    private const int SqliteRow = 100;
    private const int SqliteDone = 101;
    private const int SqliteNull = 5;
    private const int BusyTimeoutMs = 5000; // as InsightsStore.OpenReadOnly

    private readonly sqlite3 _db;
    private readonly sqlite3_stmt? _statement;
    private readonly nint _handle;
    private byte[] _buffer = new byte[128];
    private bool _referenced;

    /// <summary>
    /// Prepares <paramref name="command"/>'s text with its parameters bound (integers and strings) on a connection of its own
    /// to <paramref name="connection"/>'s database file.
    /// </summary>
    public SqliteRowReader(SqliteConnection connection, SqliteCommand command)
    {
        raw.sqlite3_open_v2(connection.DataSource, out _db, raw.SQLITE_OPEN_READONLY | raw.SQLITE_OPEN_NOMUTEX, null);
        try
        {
            Check(raw.sqlite3_errcode(_db));
            Check(raw.sqlite3_busy_timeout(_db, BusyTimeoutMs));
            Check(raw.sqlite3_prepare_v2(_db, command.CommandText, out _statement));
            foreach (SqliteParameter parameter in command.Parameters)
            {
                var index = raw.sqlite3_bind_parameter_index(_statement, parameter.ParameterName);
                if (index == 0)
                {
                    continue;
                }

                Check(parameter.Value switch
                {
                    long l => raw.sqlite3_bind_int64(_statement, index, l),
                    int i => raw.sqlite3_bind_int64(_statement, index, i),
                    string s => raw.sqlite3_bind_text(_statement, index, s),
                    null => raw.sqlite3_bind_null(_statement, index),
                    var other => throw new NotSupportedException("parameter type " + other.GetType().Name),
                });
            }

            _statement.DangerousAddRef(ref _referenced);
            _handle = _statement.DangerousGetHandle();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Steps to the next row; false when there is none.</summary>
    public bool Read()
    {
        var rc = Native.Step(_handle);
        if (rc == SqliteRow)
        {
            return true;
        }

        if (rc != SqliteDone)
        {
            Check(rc);
        }

        return false;
    }

    public bool IsNull(int column) => Native.ColumnType(_handle, column) == SqliteNull;

    /// <summary>The column as an integer (SQLite's conversion rules; NULL reads 0).</summary>
    public long Int64(int column) => Native.ColumnInt64(_handle, column);

    /// <summary>The column as a real (SQLite's conversion rules; NULL reads 0).</summary>
    public double Double(int column) => Native.ColumnDouble(_handle, column);

    public long? NullableInt64(int column) => IsNull(column) ? null : Int64(column);

    public int? NullableInt32(int column) => IsNull(column) ? null : (int)Int64(column);

    /// <summary>The column's text as UTF-8 (a copy, valid until the next call); false for NULL.</summary>
    public bool Utf8(int column, out ReadOnlySpan<byte> utf8)
    {
        var text = Native.ColumnText(_handle, column);
        if (text == 0)
        {
            utf8 = default; // NULL (or out of memory converting a number to text, which the next call reports)
            return false;
        }

        var length = Native.ColumnBytes(_handle, column);
        if (length > _buffer.Length)
        {
            _buffer = new byte[Math.Max(length, 2 * _buffer.Length)];
        }

        Marshal.Copy(text, _buffer, 0, length);
        utf8 = _buffer.AsSpan(0, length);
        return true;
    }

    /// <summary>The column as a string (invalid UTF-8 replaced, as <see cref="SqliteDataReader.GetString"/> does); null for NULL.</summary>
    public string? String(int column) => Utf8(column, out var utf8) ? Encoding.UTF8.GetString(utf8) : null;

    public void Dispose()
    {
        if (_referenced)
        {
            _statement!.DangerousRelease();
            _referenced = false;
        }

        _statement?.Dispose();
        _db.Dispose();
    }

    private void Check(int rc)
    {
        if (rc != 0)
        {
            SqliteException.ThrowExceptionForRC(rc, _db);
        }
    }

    /// <summary>
    /// The column accessors are short and never block (the connection is this reader's alone), so they skip the GC
    /// transition; stepping reads pages from disk and keeps it.
    /// </summary>
    private static class Native
    {
        private const string Library = "e_sqlite3";

        [DllImport(Library, EntryPoint = "sqlite3_step", ExactSpelling = true)]
        public static extern int Step(nint statement);

        [SuppressGCTransition]
        [DllImport(Library, EntryPoint = "sqlite3_column_type", ExactSpelling = true)]
        public static extern int ColumnType(nint statement, int column);

        [SuppressGCTransition]
        [DllImport(Library, EntryPoint = "sqlite3_column_int64", ExactSpelling = true)]
        public static extern long ColumnInt64(nint statement, int column);

        [SuppressGCTransition]
        [DllImport(Library, EntryPoint = "sqlite3_column_double", ExactSpelling = true)]
        public static extern double ColumnDouble(nint statement, int column);

        [SuppressGCTransition]
        [DllImport(Library, EntryPoint = "sqlite3_column_text", ExactSpelling = true)]
        public static extern nint ColumnText(nint statement, int column);

        [SuppressGCTransition]
        [DllImport(Library, EntryPoint = "sqlite3_column_bytes", ExactSpelling = true)]
        public static extern int ColumnBytes(nint statement, int column);
    }
}
