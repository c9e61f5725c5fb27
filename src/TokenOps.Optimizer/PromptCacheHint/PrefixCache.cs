namespace TokenOps.Optimizer.PromptCacheHint;

/// <summary>
/// Bounded two-level LRU: sessions (session id, else credential hash) → the last prefix hashes seen in that session.
/// Only hashes are kept (8 bytes each), never text. Thread-safe with one lock: entries are tiny and the critical
/// sections are a few dictionary operations.
/// </summary>
internal sealed class PrefixCache(int maxSessions, int prefixesPerSession)
{
    private readonly Dictionary<string, LinkedListNode<Session>> _sessions = new(StringComparer.Ordinal);
    private readonly LinkedList<Session> _lru = new();
    private readonly Lock _lock = new();

    public int SessionCount
    {
        get
        {
            lock (_lock)
            {
                return _sessions.Count;
            }
        }
    }

    /// <summary>True when <paramref name="hash"/> was recorded for <paramref name="session"/> (and marks both as recently used).</summary>
    public bool Contains(string session, ulong hash)
    {
        lock (_lock)
        {
            if (!_sessions.TryGetValue(session, out var node))
            {
                return false;
            }

            _lru.Remove(node);
            _lru.AddFirst(node);
            return node.Value.Touch(hash);
        }
    }

    public void Record(string session, ulong hash)
    {
        lock (_lock)
        {
            if (!_sessions.TryGetValue(session, out var node))
            {
                if (_sessions.Count >= maxSessions && _lru.Last is { } oldest)
                {
                    _sessions.Remove(oldest.Value.Key);
                    _lru.RemoveLast();
                }

                node = new LinkedListNode<Session>(new Session(session, prefixesPerSession));
                _sessions[session] = node;
                _lru.AddFirst(node);
            }
            else
            {
                _lru.Remove(node);
                _lru.AddFirst(node);
            }

            node.Value.Add(hash);
        }
    }

    private sealed class Session(string key, int capacity)
    {
        private readonly List<ulong> _hashes = new(capacity);

        public string Key { get; } = key;

        public bool Touch(ulong hash)
        {
            var i = _hashes.IndexOf(hash);
            if (i < 0)
            {
                return false;
            }

            _hashes.RemoveAt(i);
            _hashes.Add(hash);
            return true;
        }

        public void Add(ulong hash)
        {
            if (Touch(hash))
            {
                return;
            }

            if (_hashes.Count >= capacity)
            {
                _hashes.RemoveAt(0);
            }

            _hashes.Add(hash);
        }
    }
}
