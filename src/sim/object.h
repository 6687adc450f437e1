// Modelled kernel memory: every kmalloc'ed (or static) kernel object derives
// from Object, and every shared location inside it is a Cell that names it in
// output ("CS2->count"). The object header remembers who freed it so a later
// access reports the freeing step.
#pragma once
#include <cstdint>
#include <string>

namespace sim {

struct Label;
struct Object;

// A shared location. Cells never move: they live inside their owner.
struct Cell {
    Cell(Object* owner_obj, const char* field_name);
    // A static cell: its id is fixed, and no machine's numbering is consumed
    // (whichever machine first touches a function-local static must number
    // its own cells exactly as every other run does).
    Cell(Object* owner_obj, const char* field_name, std::uint32_t fixed_id)
        : owner(owner_obj), field(field_name), id(fixed_id) {}
    Cell(const Cell&) = delete;
    Cell& operator=(const Cell&) = delete;

    std::string display() const;  // "CS2->count"; the object alone when field is ""

    Object* owner;
    const char* field;
    std::uint32_t id;  // creation order in the machine: stable across runs
};

struct Object {
    explicit Object(const char* type_name);
    // A static object (serial 0): takes no serial or cell id from a machine.
    struct Static {};
    Object(const char* type_name, Static);
    Object(const Object&) = delete;
    Object& operator=(const Object&) = delete;
    virtual ~Object() = default;

    void set_name(const std::string& n);
    const char* name() const { return name_; }
    // The object as a whole: what kmalloc and kfree steps touch.
    Cell* self_cell() { return &self_; }

    const char* type;
    std::uint32_t serial;          // allocation order in this machine
    bool freed = false;
    std::uint32_t freed_step = 0;
    int freed_cpu = -1;
    unsigned freed_run = 0;
    const Label* freed_at = nullptr;
    bool heap = false;             // came from kmalloc: a leak candidate

private:
    char name_[40] = {0};
    Cell self_;
};

// Kernel globals (manage_mutex, tasklist_lock, ...) belong to this object; its
// empty name makes their cells print as just the field.
Object& global_object();

}  // namespace sim
