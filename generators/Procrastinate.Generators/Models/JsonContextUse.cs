namespace Procrastinate.Generators.Models;

/// <summary>Which user <c>JsonSerializerContext</c> serves one argument type.</summary>
/// <param name="CoveredType">The argument type, fully qualified.</param>
/// <param name="ContextTypeName">The context, fully qualified.</param>
internal sealed record JsonContextUse(string CoveredType, string ContextTypeName);
