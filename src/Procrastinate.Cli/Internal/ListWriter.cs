using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Procrastinate.Cli.Internal;

/// <summary>
/// A list written as its items come, so a long listing is never held whole: a line per item, or (for
/// <c>--json</c>) one JSON array whose items are flushed to the output one by one.
/// </summary>
internal sealed class ListWriter<T> : IDisposable
{
    private readonly TextWriter _out;
    private readonly Action<Utf8JsonWriter, T> _json;
    private readonly Func<T, string> _line;
    private readonly ArrayBufferWriter<byte>? _buffer;
    private readonly Utf8JsonWriter? _writer;

    public ListWriter(TextWriter output, bool json, Action<Utf8JsonWriter, T> writeJson, Func<T, string> line)
    {
        _out = output;
        _json = writeJson;
        _line = line;
        if (json)
        {
            _buffer = new ArrayBufferWriter<byte>();
            _writer = new Utf8JsonWriter(_buffer);
            _writer.WriteStartArray();
        }
    }

    public void Write(T item)
    {
        if (_writer is null)
        {
            _out.WriteLine(_line(item));
            return;
        }

        _json(_writer, item);
        Flush();
    }

    /// <summary>Ends the list (closes the JSON array); a list left incomplete by an error stays open.</summary>
    public void Complete()
    {
        if (_writer is null)
        {
            return;
        }

        _writer.WriteEndArray();
        Flush();
        _out.WriteLine();
    }

    public void Dispose() => _writer?.Dispose();

    private void Flush()
    {
        _writer!.Flush();
        _out.Write(Encoding.UTF8.GetString(_buffer!.WrittenSpan));
        _buffer.ResetWrittenCount();
    }
}
