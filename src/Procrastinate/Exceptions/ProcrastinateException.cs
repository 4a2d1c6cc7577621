namespace Procrastinate;

/// <summary>The base of every exception this library raises on purpose.</summary>
public class ProcrastinateException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ProcrastinateException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public ProcrastinateException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public ProcrastinateException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
