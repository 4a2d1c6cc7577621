using Microsoft.CodeAnalysis;
using Procrastinate.Generators.Helpers;

namespace Procrastinate.Generators.Models;

/// <summary>A diagnostic to report later, held as equatable data (descriptor id, location, message arguments).</summary>
/// <param name="Descriptor">The descriptor.</param>
/// <param name="Location">Where to report it, or <see langword="null"/> for no location.</param>
/// <param name="Arguments">The message arguments.</param>
internal sealed record DiagnosticInfo(DiagnosticDescriptor Descriptor, LocationInfo? Location, EquatableArray<string> Arguments)
{
    /// <summary>Creates the info.</summary>
    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, LocationInfo? location, params string[] arguments) =>
        new(descriptor, location, arguments.ToEquatableArray());

    /// <summary>Builds the diagnostic to report.</summary>
    public Diagnostic ToDiagnostic() =>
        Diagnostic.Create(Descriptor, Location?.ToLocation(), System.Linq.Enumerable.ToArray(System.Linq.Enumerable.Select(Arguments, static a => (object?)a)));
}
