// A plain shared field (a pointer, a flags word): every read and write is a
// yield point. peek()/init() are for checks and for initialising memory no other
// CPU can see yet; they are not steps.
#pragma once
#include "sim/kernel/check.h"
#include "sim/value.h"

namespace sim {

template <class T>
struct Shared : Cell {
    Shared(Object* owner_obj, const char* field_name, T initial = T{})
        : Cell(owner_obj, field_name), v(initial) {}

    T read(const Label& l, Access a = Access::read) {
        Machine& m = Machine::current();
        m.yield(l, this, a);
        touch(m, *this, l);
        if (m.tracing()) m.record(this, a, to_value(v), to_value(v));
        return v;
    }
    void write(T x, const Label& l, Access a = Access::write) {
        Machine& m = Machine::current();
        m.yield(l, this, a);
        touch(m, *this, l);
        if (m.tracing()) m.record(this, a, to_value(v), to_value(x));
        v = x;
    }
    T peek() const { return v; }
    void init(T x) { v = x; }

private:
    T v;
};

}  // namespace sim
