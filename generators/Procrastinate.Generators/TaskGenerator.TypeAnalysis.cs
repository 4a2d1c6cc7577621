using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using Procrastinate.Generators.Helpers;
using Procrastinate.Generators.Models;

namespace Procrastinate.Generators;

/// <content>Decides how each task parameter maps to JSON and how the invoker awaits the method.</content>
public sealed partial class TaskGenerator
{
    /// <summary>Maps parameter and return types to models, by comparing symbols with <see cref="KnownTypeSymbols"/>.</summary>
    internal static class TypeAnalysis
    {
        /// <summary>Fully qualified names with nullable annotations, as declarations need them.</summary>
        internal static readonly SymbolDisplayFormat AnnotatedFormat = SymbolDisplayFormat.FullyQualifiedFormat
            .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

        /// <summary>Fully qualified names without nullable reference annotations, to match JSON context coverage.</summary>
        internal static readonly SymbolDisplayFormat PlainFormat = SymbolDisplayFormat.FullyQualifiedFormat;

        /// <summary>Maps a type to its JSON form, or returns <see langword="null"/> with the reason it has none.</summary>
        internal static TypeModel? BuildType(ITypeSymbol type, KnownTypeSymbols known, out string? unsupported)
        {
            unsupported = null;
            var annotated = type.NullableAnnotation != NullableAnnotation.NotAnnotated;
            var name = type.ToDisplayString(AnnotatedFormat);
            var simple = type.SpecialType switch
            {
                SpecialType.System_Boolean => ValueKind.Boolean,
                SpecialType.System_Byte => ValueKind.Byte,
                SpecialType.System_SByte => ValueKind.SByte,
                SpecialType.System_Int16 => ValueKind.Int16,
                SpecialType.System_UInt16 => ValueKind.UInt16,
                SpecialType.System_Int32 => ValueKind.Int32,
                SpecialType.System_UInt32 => ValueKind.UInt32,
                SpecialType.System_Int64 => ValueKind.Int64,
                SpecialType.System_UInt64 => ValueKind.UInt64,
                SpecialType.System_IntPtr => ValueKind.IntPtr,
                SpecialType.System_UIntPtr => ValueKind.UIntPtr,
                SpecialType.System_Single => ValueKind.Single,
                SpecialType.System_Double => ValueKind.Double,
                SpecialType.System_Decimal => ValueKind.Decimal,
                SpecialType.System_Char => ValueKind.Char,
                SpecialType.System_DateTime => ValueKind.DateTime,
                _ => (ValueKind?)null,
            };
            if (type.TypeKind == TypeKind.Enum)
            {
                var enumType = (INamedTypeSymbol)type;
                return new TypeModel(ValueKind.Enum, name, BuildType(enumType.EnumUnderlyingType!, known, out _), false, false, null, EnumCheck(enumType));
            }

            if (simple is { } kind)
            {
                return new TypeModel(kind, name, null, false, false, null);
            }

            if (type.SpecialType == SpecialType.System_String)
            {
                return new TypeModel(ValueKind.String, name, null, annotated, true, null);
            }

            switch (type)
            {
                case IArrayTypeSymbol array:
                    if (array.Rank != 1)
                    {
                        unsupported = "only one-dimensional arrays are supported";
                        return null;
                    }

                    return Container(ValueKind.Array, array.ElementType, out unsupported);
                case IPointerTypeSymbol or IFunctionPointerTypeSymbol:
                    unsupported = "pointers have no JSON form";
                    return null;
                case IDynamicTypeSymbol:
                case { SpecialType: SpecialType.System_Object }:
                    unsupported = "its JSON form is not known at compile time; use a concrete type";
                    return null;
                case ITypeParameterSymbol:
                    unsupported = "type parameters are not supported";
                    return null;
                case IErrorTypeSymbol:
                    unsupported = "the type cannot be resolved";
                    return null;
                case INamedTypeSymbol { TypeKind: TypeKind.Delegate }:
                    unsupported = "delegates have no JSON form";
                    return null;
                case INamedTypeSymbol { IsRefLikeType: true }:
                    unsupported = "ref struct types cannot be stored";
                    return null;
            }

            var named = (INamedTypeSymbol)type;
            ValueKind? scalar = named switch
            {
                _ when KnownTypeSymbols.Is(named, known.Guid) => ValueKind.Guid,
                _ when KnownTypeSymbols.Is(named, known.DateTimeOffset) => ValueKind.DateTimeOffset,
                _ when KnownTypeSymbols.Is(named, known.DateOnly) => ValueKind.DateOnly,
                _ when KnownTypeSymbols.Is(named, known.TimeOnly) => ValueKind.TimeOnly,
                _ when KnownTypeSymbols.Is(named, known.TimeSpan) => ValueKind.TimeSpan,
                _ => null,
            };
            if (scalar is { } scalarKind)
            {
                return new TypeModel(scalarKind, name, null, false, false, null);
            }

            if (named.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T)
            {
                var inner = BuildType(named.TypeArguments[0], known, out unsupported);
                return inner is null ? null : new TypeModel(ValueKind.Nullable, name, inner, true, false, null);
            }

            if (KnownTypeSymbols.Is(named, known.List))
            {
                return Container(ValueKind.List, named.TypeArguments[0], out unsupported);
            }

            if (KnownTypeSymbols.Is(named, known.ReadOnlyList))
            {
                return Container(ValueKind.ReadOnlyList, named.TypeArguments[0], out unsupported);
            }

            if (KnownTypeSymbols.Is(named, known.Dictionary) && named.TypeArguments[0].SpecialType == SpecialType.System_String)
            {
                return Container(ValueKind.Dictionary, named.TypeArguments[1], out unsupported);
            }

            return new TypeModel(ValueKind.Context, name, null, annotated && type.IsReferenceType, type.IsReferenceType, type.ToDisplayString(PlainFormat));

            TypeModel? Container(ValueKind containerKind, ITypeSymbol elementType, out string? reason)
            {
                var element = BuildType(elementType, known, out reason);
                return element is null ? null : new TypeModel(containerKind, name, element, annotated, true, null);
            }
        }

        /// <summary>Whether <paramref name="type"/> and every type in it is public (else the handle is internal).</summary>
        internal static bool IsPublicType(ITypeSymbol type)
        {
            switch (type)
            {
                case IArrayTypeSymbol array:
                    return IsPublicType(array.ElementType);
                case INamedTypeSymbol named:
                    for (ISymbol? symbol = named; symbol is INamedTypeSymbol; symbol = symbol.ContainingSymbol)
                    {
                        if (symbol.DeclaredAccessibility != Accessibility.Public)
                        {
                            return false;
                        }
                    }

                    return named.TypeArguments.All(IsPublicType);
                default:
                    return true;
            }
        }

        /// <summary>How the invoker calls the method: awaited or not, with a result or not.</summary>
        internal static ReturnKind GetReturnKind(IMethodSymbol method, KnownTypeSymbols known)
        {
            if (method.ReturnsVoid)
            {
                return ReturnKind.Void;
            }

            var returnType = method.ReturnType;
            if (KnownTypeSymbols.Is(returnType, known.Task) || KnownTypeSymbols.Is(returnType, known.ValueTask))
            {
                return ReturnKind.Awaitable;
            }

            return KnownTypeSymbols.Is(returnType, known.TaskOfT) || KnownTypeSymbols.Is(returnType, known.ValueTaskOfT)
                ? ReturnKind.AwaitableValue
                : ReturnKind.Value;
        }

        /// <summary>
        /// The condition that holds for the defined values of <paramref name="enumType"/> (see
        /// <see cref="TypeModel.EnumCheck"/>): the values themselves, or for a <c>[Flags]</c> enum any value without a bit
        /// that no member has. Values are compared as <see cref="ulong"/>, signed ones sign-extended.
        /// </summary>
        private static string? EnumCheck(INamedTypeSymbol enumType)
        {
            var values = new SortedSet<ulong>();
            foreach (var member in enumType.GetMembers().OfType<IFieldSymbol>())
            {
                if (member.HasConstantValue && member.ConstantValue is { } constant)
                {
                    values.Add(constant switch
                    {
                        sbyte or short or int or long => unchecked((ulong)Convert.ToInt64(constant, CultureInfo.InvariantCulture)),
                        _ => Convert.ToUInt64(constant, CultureInfo.InvariantCulture),
                    });
                }
            }

            if (values.Count == 0)
            {
                return null;
            }

            var isFlags = enumType.GetAttributes().Any(static a => a.AttributeClass?.ToDisplayString() == "System.FlagsAttribute");
            if (isFlags)
            {
                var mask = values.Aggregate(0UL, static (all, value) => all | value);
                return "({0} & 0x" + (~mask).ToString("X16", CultureInfo.InvariantCulture) + "UL) == 0UL";
            }

            return "{0} is " + string.Join(" or ", values.Select(static v => v.ToString(CultureInfo.InvariantCulture) + "UL"));
        }
    }
}
