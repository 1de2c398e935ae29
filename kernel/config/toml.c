/* placeholder */
typedef int mn__placeholder_t;
