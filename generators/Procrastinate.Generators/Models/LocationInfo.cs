using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace Procrastinate.Generators.Models;

/// <summary>A source location without its syntax tree, so models stay free of compilation data.</summary>
/// <param name="FilePath">The file.</param>
/// <param name="TextSpan">The span in the file's text.</param>
/// <param name="LineSpan">The span as lines and columns.</param>
internal sealed record LocationInfo(string FilePath, TextSpan TextSpan, LinePositionSpan LineSpan)
{
    /// <summary>Rebuilds a <see cref="Location"/> for reporting.</summary>
    public Location ToLocation() => Location.Create(FilePath, TextSpan, LineSpan);

    /// <summary>Captures <paramref name="location"/>, or <see langword="null"/> when it is not in source.</summary>
    public static LocationInfo? From(Location? location)
    {
        if (location is null || location.SourceTree is null)
        {
            return null;
        }

        return new LocationInfo(location.SourceTree.FilePath, location.SourceSpan, location.GetLineSpan().Span);
    }

    /// <summary>Captures the location of <paramref name="node"/>.</summary>
    public static LocationInfo? From(SyntaxNode? node) => From(node?.GetLocation());
}
