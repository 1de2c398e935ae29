/* host: under construction */
typedef int mn__placeholder_t;
