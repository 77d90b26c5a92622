using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace TinyBeauty.Model.Checkpoints;

/// <summary>A global (module and name) that a pickle referenced and the allow-list accepted.</summary>
internal sealed record PickleGlobal(string Module, string Name)
{
    public string FullName => $"{Module}.{Name}";
}

/// <summary>A dictionary read from a pickle, keeping insertion order (Python dicts are ordered).</summary>
internal sealed class PickleDict
{
    private readonly Dictionary<object, int> _index = [];

    public List<KeyValuePair<object?, object?>> Items { get; } = [];

    public void Set(object? key, object? value)
    {
        // Only simple immutable keys (strings, integers, booleans) are indexed; others are appended as read.
        var indexable = key is string or long or BigInteger or bool;
        if (indexable && _index.TryGetValue(key!, out var position))
        {
            Items[position] = KeyValuePair.Create(key, value);
            return;
        }

        if (indexable)
        {
            _index[key!] = Items.Count;
        }

        Items.Add(KeyValuePair.Create(key, value));
    }

    public bool TryGetValue(string key, out object? value)
    {
        if (_index.TryGetValue(key, out var position))
        {
            value = Items[position].Value;
            return true;
        }

        value = null;
        return false;
    }
}

/// <summary>A storage that a persistent id named: its element type, archive key and element count.</summary>
internal sealed record PickleStorage(string StorageType, string Key, string Location, long ElementCount);

/// <summary>What <c>torch._utils._rebuild_tensor_v2</c> was asked to build: a view of a storage.</summary>
internal sealed record PickleTensor(PickleStorage Storage, long StorageOffset, long[] Shape, long[] Strides);

/// <summary>
/// A deliberately small pickle interpreter for the data that <c>torch.save</c> writes. It never imports or runs
/// code: a global is accepted only when it is on a fixed allow-list, and "calling" one of them builds an inert
/// description (an ordered dictionary, a tensor view or a storage reference) instead of executing anything.
/// </summary>
/// <remarks>
/// Any other global (for example <c>os.system</c> or <c>builtins.eval</c>) makes the load fail with an
/// <see cref="InvalidDataException"/> naming it, so a hostile checkpoint cannot run code through this reader.
/// </remarks>
internal sealed class PickleMachine
{
    private static readonly Dictionary<string, string> s_storageTypes = new(StringComparer.Ordinal)
    {
        ["torch.FloatStorage"] = "float32",
        ["torch.HalfStorage"] = "float16",
        ["torch.BFloat16Storage"] = "bfloat16",
        ["torch.DoubleStorage"] = "float64",
        ["torch.LongStorage"] = "int64",
        ["torch.IntStorage"] = "int32",
    };

    private static readonly HashSet<string> s_callables = new(StringComparer.Ordinal)
    {
        "collections.OrderedDict",
        "torch._utils._rebuild_tensor_v2",
        "torch._utils._rebuild_parameter",
    };

    private static readonly object s_mark = new();

    private readonly byte[] _data;
    private readonly string _source;
    private readonly List<object?> _stack = [];
    private readonly Stack<int> _marks = new();
    private readonly Dictionary<long, object?> _memo = [];
    private int _position;

    private PickleMachine(byte[] data, string source)
    {
        _data = data;
        _source = source;
    }

    /// <summary>Runs a pickle and returns the object it describes.</summary>
    /// <param name="data">The pickle bytes.</param>
    /// <param name="source">Names the pickle in error messages (file and entry).</param>
    /// <exception cref="InvalidDataException">The pickle is corrupt, truncated or uses a forbidden global.</exception>
    public static object? Run(byte[] data, string source) => new PickleMachine(data, source).Execute();

    /// <summary>Gets the element type name of a storage global, or null when it is not a storage type.</summary>
    public static string? StorageElementType(string fullName) =>
        s_storageTypes.TryGetValue(fullName, out var type) ? type : null;

    private object? Execute()
    {
        while (true)
        {
            var opcodeAt = _position;
            var opcode = ReadByte();
            switch (opcode)
            {
                case 0x80: // PROTO
                    var protocol = ReadByte();
                    if (protocol > 5)
                    {
                        throw Corrupt($"pickle protocol {protocol} is newer than 5", opcodeAt);
                    }

                    break;
                case 0x95: // FRAME: frames only group opcodes; the data is read straight through.
                    ReadSpan(8);
                    break;
                case (byte)'.': // STOP
                    if (_stack.Count != 1 || _marks.Count != 0)
                    {
                        throw Corrupt($"STOP with {_stack.Count} values on the stack (expected 1)", opcodeAt);
                    }

                    return _stack[0];
                case (byte)'}': // EMPTY_DICT
                    Push(new PickleDict());
                    break;
                case (byte)']': // EMPTY_LIST
                    Push(new List<object?>());
                    break;
                case (byte)')': // EMPTY_TUPLE
                    Push(Array.Empty<object?>());
                    break;
                case 0x8f: // EMPTY_SET: sets are kept as lists.
                    Push(new List<object?>());
                    break;
                case (byte)'(': // MARK
                    _marks.Push(_stack.Count);
                    break;
                case (byte)'t': // TUPLE
                    Push(PopToMark(opcodeAt).ToArray());
                    break;
                case 0x85: // TUPLE1
                    Push(PopMany(1, opcodeAt));
                    break;
                case 0x86: // TUPLE2
                    Push(PopMany(2, opcodeAt));
                    break;
                case 0x87: // TUPLE3
                    Push(PopMany(3, opcodeAt));
                    break;
                case (byte)'l': // LIST
                    Push(PopToMark(opcodeAt));
                    break;
                case 0x91: // FROZENSET
                    Push(PopToMark(opcodeAt));
                    break;
                case (byte)'d': // DICT
                    Push(BuildDict(PopToMark(opcodeAt), opcodeAt));
                    break;
                case (byte)'X': // BINUNICODE
                    Push(ReadUtf8(ReadLength(4, opcodeAt), opcodeAt));
                    break;
                case 0x8c: // SHORT_BINUNICODE
                    Push(ReadUtf8(ReadByte(), opcodeAt));
                    break;
                case 0x8d: // BINUNICODE8
                    Push(ReadUtf8(ReadLength(8, opcodeAt), opcodeAt));
                    break;
                case (byte)'U': // SHORT_BINSTRING (Python 2 str), read as Latin-1 text.
                    Push(Encoding.Latin1.GetString(ReadSpan(ReadByte())));
                    break;
                case (byte)'T': // BINSTRING
                    Push(Encoding.Latin1.GetString(ReadSpan(ReadLength(4, opcodeAt))));
                    break;
                case (byte)'C': // SHORT_BINBYTES
                    Push(ReadSpan(ReadByte()).ToArray());
                    break;
                case (byte)'B': // BINBYTES
                    Push(ReadSpan(ReadLength(4, opcodeAt)).ToArray());
                    break;
                case 0x8e: // BINBYTES8
                    Push(ReadSpan(ReadLength(8, opcodeAt)).ToArray());
                    break;
                case (byte)'J': // BININT
                    Push((long)BinaryPrimitives.ReadInt32LittleEndian(ReadSpan(4)));
                    break;
                case (byte)'K': // BININT1
                    Push((long)ReadByte());
                    break;
                case (byte)'M': // BININT2
                    Push((long)BinaryPrimitives.ReadUInt16LittleEndian(ReadSpan(2)));
                    break;
                case 0x8a: // LONG1
                    Push(ReadLong(ReadByte()));
                    break;
                case 0x8b: // LONG4
                    Push(ReadLong(ReadLength(4, opcodeAt)));
                    break;
                case (byte)'G': // BINFLOAT (big-endian double)
                    Push(BinaryPrimitives.ReadDoubleBigEndian(ReadSpan(8)));
                    break;
                case 0x88: // NEWTRUE
                    Push(true);
                    break;
                case 0x89: // NEWFALSE
                    Push(false);
                    break;
                case (byte)'N': // NONE
                    Push(null);
                    break;
                case (byte)'c': // GLOBAL
                    var module = ReadLine(opcodeAt);
                    var name = ReadLine(opcodeAt);
                    Push(ResolveGlobal(module, name, opcodeAt));
                    break;
                case 0x93: // STACK_GLOBAL
                    var globalName = Pop(opcodeAt);
                    var globalModule = Pop(opcodeAt);
                    if (globalModule is not string moduleText || globalName is not string nameText)
                    {
                        throw Corrupt("STACK_GLOBAL needs two strings", opcodeAt);
                    }

                    Push(ResolveGlobal(moduleText, nameText, opcodeAt));
                    break;
                case (byte)'R': // REDUCE
                    var arguments = Pop(opcodeAt);
                    var callable = Pop(opcodeAt);
                    Push(Call(callable, arguments, opcodeAt));
                    break;
                case 0x81: // NEWOBJ: cls.__new__(cls, *args); only the allow-listed callables are accepted.
                    var newArguments = Pop(opcodeAt);
                    var type = Pop(opcodeAt);
                    Push(Call(type, newArguments, opcodeAt));
                    break;
                case (byte)'b': // BUILD
                    var state = Pop(opcodeAt);
                    Build(Peek(opcodeAt), state, opcodeAt);
                    break;
                case (byte)'Q': // BINPERSID
                    Push(PersistentLoad(Pop(opcodeAt), opcodeAt));
                    break;
                case (byte)'q': // BINPUT
                    _memo[ReadByte()] = Peek(opcodeAt);
                    break;
                case (byte)'r': // LONG_BINPUT
                    _memo[BinaryPrimitives.ReadUInt32LittleEndian(ReadSpan(4))] = Peek(opcodeAt);
                    break;
                case 0x94: // MEMOIZE
                    _memo[_memo.Count] = Peek(opcodeAt);
                    break;
                case (byte)'h': // BINGET
                    Push(MemoGet(ReadByte(), opcodeAt));
                    break;
                case (byte)'j': // LONG_BINGET
                    Push(MemoGet(BinaryPrimitives.ReadUInt32LittleEndian(ReadSpan(4)), opcodeAt));
                    break;
                case (byte)'0': // POP
                    if (_marks.Count > 0 && _marks.Peek() == _stack.Count)
                    {
                        _marks.Pop();
                    }
                    else
                    {
                        Pop(opcodeAt);
                    }

                    break;
                case (byte)'1': // POP_MARK
                    PopToMark(opcodeAt);
                    break;
                case (byte)'2': // DUP
                    Push(Peek(opcodeAt));
                    break;
                case (byte)'s': // SETITEM
                    var itemValue = Pop(opcodeAt);
                    var itemKey = Pop(opcodeAt);
                    AsDict(Peek(opcodeAt), "SETITEM", opcodeAt).Set(itemKey, itemValue);
                    break;
                case (byte)'u': // SETITEMS
                    var pairs = PopToMark(opcodeAt);
                    var target = AsDict(Peek(opcodeAt), "SETITEMS", opcodeAt);
                    AddPairs(target, pairs, opcodeAt);
                    break;
                case (byte)'a': // APPEND
                    var element = Pop(opcodeAt);
                    AsList(Peek(opcodeAt), "APPEND", opcodeAt).Add(element);
                    break;
                case (byte)'e': // APPENDS
                case 0x90: // ADDITEMS (sets are lists here)
                    var elements = PopToMark(opcodeAt);
                    AsList(Peek(opcodeAt), "APPENDS", opcodeAt).AddRange(elements);
                    break;
                default:
                    throw Corrupt($"unsupported pickle opcode 0x{opcode:x2}", opcodeAt);
            }
        }
    }

    private object ResolveGlobal(string module, string name, int opcodeAt)
    {
        var fullName = $"{module}.{name}";
        if (s_callables.Contains(fullName) || s_storageTypes.ContainsKey(fullName))
        {
            return new PickleGlobal(module, name);
        }

        throw Corrupt(
            $"the pickle references global '{fullName}', which is not on the allow-list of tensor checkpoint "
            + "types; it is refused because unpickling it could run arbitrary code",
            opcodeAt);
    }

    private object? Call(object? callable, object? arguments, int opcodeAt)
    {
        if (callable is not PickleGlobal global || !s_callables.Contains(global.FullName))
        {
            throw Corrupt($"cannot call {Describe(callable)}", opcodeAt);
        }

        if (arguments is not object?[] args)
        {
            throw Corrupt($"the arguments of '{global.FullName}' are not a tuple", opcodeAt);
        }

        switch (global.FullName)
        {
            case "collections.OrderedDict":
                var dict = new PickleDict();
                if (args.Length > 0 && args[0] is List<object?> items)
                {
                    foreach (var item in items)
                    {
                        if (item is not object?[] { Length: 2 } pair)
                        {
                            throw Corrupt("OrderedDict was given an item that is not a pair", opcodeAt);
                        }

                        dict.Set(pair[0], pair[1]);
                    }
                }

                return dict;
            case "torch._utils._rebuild_parameter":
                if (args.Length < 1 || args[0] is not PickleTensor parameter)
                {
                    throw Corrupt("_rebuild_parameter was not given a tensor", opcodeAt);
                }

                return parameter;
            default:
                return RebuildTensor(args, opcodeAt);
        }
    }

    private PickleTensor RebuildTensor(object?[] args, int opcodeAt)
    {
        // _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
        if (args.Length < 4
            || args[0] is not PickleStorage storage
            || args[1] is not long offset
            || args[2] is not object?[] size
            || args[3] is not object?[] stride)
        {
            throw Corrupt("_rebuild_tensor_v2 was given arguments of unexpected types", opcodeAt);
        }

        if (size.Length != stride.Length)
        {
            throw Corrupt($"a tensor has {size.Length} dimensions but {stride.Length} strides", opcodeAt);
        }

        var shape = new long[size.Length];
        var strides = new long[size.Length];
        for (var i = 0; i < size.Length; i++)
        {
            if (size[i] is not long dimension || stride[i] is not long step || dimension < 0)
            {
                throw Corrupt("a tensor size or stride is not a non-negative integer", opcodeAt);
            }

            shape[i] = dimension;
            strides[i] = step;
        }

        return new PickleTensor(storage, offset, shape, strides);
    }

    private PickleStorage PersistentLoad(object? persistentId, int opcodeAt)
    {
        // torch.save writes ('storage', storage_type, key, location, numel).
        if (persistentId is not object?[] { Length: 5 } id
            || id[0] is not string { } tag
            || tag != "storage"
            || id[1] is not PickleGlobal type
            || id[2] is not string key
            || id[3] is not string location
            || id[4] is not long count)
        {
            throw Corrupt($"unexpected persistent id {Describe(persistentId)}", opcodeAt);
        }

        if (!s_storageTypes.ContainsKey(type.FullName))
        {
            throw Corrupt($"'{type.FullName}' is not a storage type", opcodeAt);
        }

        return new PickleStorage(type.FullName, key, location, count);
    }

    private void Build(object? target, object? state, int opcodeAt)
    {
        // torch.save uses BUILD only to attach `_metadata` (module versions) to an OrderedDict; that is ignored.
        if (target is not PickleDict)
        {
            throw Corrupt($"BUILD on {Describe(target)} is not supported", opcodeAt);
        }

        _ = state;
    }

    private PickleDict BuildDict(List<object?> pairs, int opcodeAt)
    {
        var dict = new PickleDict();
        AddPairs(dict, pairs, opcodeAt);
        return dict;
    }

    private void AddPairs(PickleDict dict, List<object?> pairs, int opcodeAt)
    {
        if (pairs.Count % 2 != 0)
        {
            throw Corrupt("an odd number of values was given for dictionary items", opcodeAt);
        }

        for (var i = 0; i < pairs.Count; i += 2)
        {
            dict.Set(pairs[i], pairs[i + 1]);
        }
    }

    private PickleDict AsDict(object? value, string opcode, int opcodeAt) =>
        value as PickleDict ?? throw Corrupt($"{opcode} on {Describe(value)}, not a dictionary", opcodeAt);

    private List<object?> AsList(object? value, string opcode, int opcodeAt) =>
        value as List<object?> ?? throw Corrupt($"{opcode} on {Describe(value)}, not a list", opcodeAt);

    private object? MemoGet(long index, int opcodeAt) =>
        _memo.TryGetValue(index, out var value) ? value : throw Corrupt($"memo slot {index} is empty", opcodeAt);

    private void Push(object? value) => _stack.Add(value);

    private object? Pop(int opcodeAt)
    {
        var floor = _marks.Count > 0 ? _marks.Peek() : 0;
        if (_stack.Count <= floor)
        {
            throw Corrupt("the stack is empty", opcodeAt);
        }

        var value = _stack[^1];
        _stack.RemoveAt(_stack.Count - 1);
        return value;
    }

    private object? Peek(int opcodeAt) =>
        _stack.Count > 0 ? _stack[^1] : throw Corrupt("the stack is empty", opcodeAt);

    private object?[] PopMany(int count, int opcodeAt)
    {
        var values = new object?[count];
        for (var i = count - 1; i >= 0; i--)
        {
            values[i] = Pop(opcodeAt);
        }

        return values;
    }

    private List<object?> PopToMark(int opcodeAt)
    {
        if (_marks.Count == 0)
        {
            throw Corrupt("no MARK precedes this opcode", opcodeAt);
        }

        var start = _marks.Pop();
        var values = _stack.GetRange(start, _stack.Count - start);
        _stack.RemoveRange(start, _stack.Count - start);
        return values;
    }

    private byte ReadByte() => ReadSpan(1)[0];

    private ReadOnlySpan<byte> ReadSpan(long count)
    {
        if (count < 0 || count > _data.Length - _position)
        {
            throw Corrupt($"the pickle ends early (needed {count} more bytes)", _position);
        }

        var span = _data.AsSpan(_position, (int)count);
        _position += (int)count;
        return span;
    }

    private long ReadLength(int width, int opcodeAt)
    {
        var span = ReadSpan(width);
        var length = width == 4
            ? BinaryPrimitives.ReadUInt32LittleEndian(span)
            : BinaryPrimitives.ReadInt64LittleEndian(span);
        if (length < 0 || length > _data.Length - _position)
        {
            throw Corrupt($"a length of {length} bytes runs past the end of the pickle", opcodeAt);
        }

        return length;
    }

    private string ReadUtf8(long length, int opcodeAt)
    {
        var bytes = ReadSpan(length);
        try
        {
            return new UTF8Encoding(false, true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw Corrupt("a string is not valid UTF-8", opcodeAt);
        }
    }

    private string ReadLine(int opcodeAt)
    {
        var end = Array.IndexOf(_data, (byte)'\n', _position);
        if (end < 0)
        {
            throw Corrupt("GLOBAL is not terminated by a newline", opcodeAt);
        }

        var text = Encoding.ASCII.GetString(_data, _position, end - _position);
        _position = end + 1;
        return text;
    }

    private object ReadLong(long length)
    {
        var bytes = ReadSpan(length);
        if (bytes.Length == 0)
        {
            return 0L;
        }

        var value = new BigInteger(bytes, isUnsigned: false, isBigEndian: false);
        return value >= long.MinValue && value <= long.MaxValue ? (long)value : value;
    }

    private static string Describe(object? value) => value switch
    {
        null => "None",
        PickleGlobal global => $"global '{global.FullName}'",
        PickleDict => "a dictionary",
        List<object?> => "a list",
        object?[] tuple => $"a tuple of {tuple.Length}",
        string text => $"the string '{text}'",
        _ => $"a value of type {value.GetType().Name}",
    };

    private InvalidDataException Corrupt(string problem, int offset) =>
        new($"{_source}: {problem} (at byte {offset} of the pickle).");
}
