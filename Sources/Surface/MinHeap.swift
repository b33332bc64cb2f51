/// A binary min-heap of elements by priority: Dijkstra's frontier, the cheapest collapse.
/// Stale entries are the caller's to skip when popped (lazy deletion).
public struct MinHeap<Element> {
    private var items: [(priority: Double, element: Element)] = []

    public init() {}

    public var isEmpty: Bool { items.isEmpty }

    public mutating func push(_ priority: Double, _ element: Element) {
        items.append((priority, element))
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            if items[parent].priority <= items[i].priority { break }
            items.swapAt(parent, i); i = parent
        }
    }

    /// The element of least priority, removed; nil when empty.
    public mutating func pop() -> (priority: Double, element: Element)? {
        guard let top = items.first else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < items.count && items[l].priority < items[m].priority { m = l }
                if r < items.count && items[r].priority < items[m].priority { m = r }
                if m == i { break }
                items.swapAt(i, m); i = m
            }
        }
        return top
    }
}
