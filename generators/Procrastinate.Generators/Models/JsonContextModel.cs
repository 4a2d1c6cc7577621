using Procrastinate.Generators.Helpers;

namespace Procrastinate.Generators.Models;

/// <summary>A user <c>JsonSerializerContext</c> and the types its <c>[JsonSerializable]</c> attributes cover.</summary>
/// <param name="TypeName">The context type, fully qualified.</param>
/// <param name="CoveredTypes">The covered types, fully qualified, without nullable annotations.</param>
internal sealed record JsonContextModel(string TypeName, EquatableArray<string> CoveredTypes);
