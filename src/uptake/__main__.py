from uptake.cli import main

main()
