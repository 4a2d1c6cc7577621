namespace Procrastinate.Cli.Internal;

/// <summary>An error the command line reports as one line on standard error, with its exit status.</summary>
internal sealed class CliException : Exception
{
    public CliException(string message, int exitCode = CliExitCodes.Failure, Exception? innerException = null)
        : base(message, innerException)
    {
        ExitCode = exitCode;
    }

    public int ExitCode { get; }

    public static CliException Usage(string message, Exception? innerException = null) =>
        new(message, CliExitCodes.Usage, innerException);
}
