// A value read or written by a step, kept for the timeline: integers print as
// numbers, object pointers as the object's name (never as an address).
#pragma once
#include <cstdint>
#include <string>
#include <type_traits>

#include "sim/object.h"

namespace sim {

struct Value {
    enum class Kind : std::uint8_t { none, integer, object } kind = Kind::none;
    std::int64_t i = 0;
    const Object* o = nullptr;

    static Value of(std::int64_t v) { return {Kind::integer, v, nullptr}; }
    static Value ptr(const Object* p) { return {Kind::object, 0, p}; }
    bool operator==(const Value& v) const { return kind == v.kind && i == v.i && o == v.o; }
    std::string str() const;
};

template <class T>
Value to_value(const T& v) {
    if constexpr (std::is_pointer_v<T>) {
        using P = std::remove_cv_t<std::remove_pointer_t<T>>;
        if constexpr (std::is_base_of_v<Object, P>)
            return Value::ptr(v);
        else
            return Value::of(v ? 1 : 0);
    } else {
        return Value::of(static_cast<std::int64_t>(v));
    }
}

}  // namespace sim
